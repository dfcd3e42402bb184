"""Export an IF network to NIR exactly, or refuse (docs/methods.md#nir).

NIR's ``IF`` resets to a potential; ours subtracts θ. The exact encoding of one IF layer:

    inputs -> I(r=1) -> Threshold(θ') -> Scale(θ) -> consumers
                 ^            |
                 +- Scale(-θ) +          (read one step late by a simulator)

so that ``m[t] = m[t-1] + I[t] - θ·s[t-1]`` is our ``v[t] - v0``. ``v0`` becomes the shifted
threshold ``θ - v0``, and our ``>=`` NIR's ``>`` against the next float32 below it.
Residual additions are two edges into one node; the option-A shortcut's strided slice and
zero channel padding are exact fixed 1x1 convolutions. The input normalisation is not a NIR
node (a division has no exact NIR form): the graph's input is the normalised image, and the
metadata says so.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, fx, nn

from ann2snn.devices import available_bytes
from ann2snn.errors import Ann2SnnError
from ann2snn.export.nir_losses import LOSSY_IF, NotExact, losses
from ann2snn.snn.if_neuron import IFNeuron
from ann2snn.snn.memory import node_shapes
from ann2snn.snn.network import SpikingNetwork
from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.snn.time import time_add

_ADDS = (operator.add, torch.add, time_add)


def _np(t: Tensor) -> np.ndarray:
    return t.detach().cpu().float().numpy().copy()


def _full(param: Tensor, shape: tuple[int, ...]) -> Tensor:
    """A per-layer / per-channel / per-neuron parameter as an array of the layer's shape."""
    p = param.detach().float()
    if p.dim() == 1 and len(shape) > 1:
        p = p.reshape(-1, *([1] * (len(shape) - 1)))
    return p.expand(shape).clone()


#: float32 arrays of a spiking layer's full shape an export holds (its parameters as NIR
#: arrays, their copies in the graph and in the HDF5 buffer)
_ARRAYS_PER_NEURON = 8


def _shapes(snn: SpikingNetwork, shape) -> dict[str, tuple[int, ...]]:
    """The shape of one sample at every node's output (from shapes alone), after checking
    that the export's arrays fit in memory."""
    shape = shape if shape is not None else getattr(snn.info, "input_shape", None)
    if shape is None:
        raise Ann2SnnError("the network does not record its input shape (converted without "
                           "data): give it, e.g. input_shape=(3, 32, 32) or --input-shape 3,32,32")
    shapes = node_shapes(snn.net, check_input_shape(shape))
    neurons = sum(math.prod(shapes[n.name]) for n in snn.net.graph.nodes
                  if n.op == "call_module" and isinstance(snn.net.get_submodule(n.target),
                                                          SpikingNeuron))
    params = sum(t.numel() for t in snn.net.parameters())
    needed = 4 * (_ARRAYS_PER_NEURON * neurons + 3 * params)
    free = available_bytes("cpu")
    if free is not None and needed > free:
        raise Ann2SnnError(f"exporting for input shape {tuple(shape)} needs about "
                           f"{needed / 2**30:.3g} GiB, more than the {free / 2**30:.3g} GiB free: "
                           "give the shape of one real input (--input-shape C,H,W)")
    return shapes


def check_input_shape(shape) -> tuple[int, ...]:
    """One sample's shape: a tuple or list of positive integers."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list)) or not shape or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        raise Ann2SnnError(f"input_shape must be a tuple of positive integers such as (3, 32, 32), "
                           f"got {shape!r}")
    return tuple(shape)


class _Builder:
    """Nodes and edges of the NIR graph, and which nodes sum to each fx value."""

    def __init__(self, nir_module, snn: SpikingNetwork, input_shape, lossy: bool = False):
        self.nir, self.lossy = nir_module, lossy
        self.net = snn.net
        self.modules = dict(snn.net.named_modules())
        self.shapes = _shapes(snn, input_shape)
        self.nodes: dict[str, Any] = {}
        self.edges: list[tuple[str, str]] = []
        self.sources: dict[str, list[str]] = {}
        #: the input normalisation the consumer applies: ``[(op, values), ...]``
        self.input_ops: list[tuple[str, list[float]]] = []

    def add(self, name: str, node, inputs: list[str]) -> str:
        if len(set(inputs)) != len(inputs):
            raise NotExact(f"{name}: the same signal enters twice (x + x): no exact NIR edge")
        self.nodes[name] = node
        self.edges += [(src, name) for src in inputs]
        return name

    def value(self, arg) -> list[str]:
        if not isinstance(arg, fx.Node) or arg.name not in self.sources:
            raise NotExact(f"an operand {arg!r} is not a signal NIR can carry")
        return self.sources[arg.name]


def export_graph(snn: SpikingNetwork, input_shape: tuple[int, ...] | None = None,
                 lossy: bool = False):
    """The NIR graph of ``snn`` (for one sample of ``input_shape``, default: the shape it was
    converted for); :class:`NotExact` (listing what would be lost) otherwise. ``lossy``: every
    spiking layer as NIR's native ``IF`` (reset to 0) followed by ``Scale(θ)``, whatever it
    loses; returns ``(graph, losses)`` then. Ops with no NIR form are refused either way."""
    import nir

    lost = losses(snn)
    if lost and not lossy:
        raise NotExact("not exactly exportable to NIR: " + "; ".join(lost)
                       + " (--lossy exports native NIR IF layers and lists every loss)")
    b = _Builder(nir, snn, input_shape, lossy)
    for node in snn.net.graph.nodes:
        _visit(b, node)
    graph = nir.NIRGraph(nodes=b.nodes, edges=b.edges, metadata=_metadata(snn, b))
    if not lossy:
        return graph
    return graph, [*lost, *[f"{name}: {LOSSY_IF}" for name, _ in snn.neurons()]]


def _metadata(snn: SpikingNetwork, b: _Builder) -> dict:
    info = snn.info
    return {"producer": "ann2snn", "method": snn.method, "reset": "zero (lossy)" if b.lossy else "subtract",
            "comparison": "> (lossy: native IF)" if b.lossy else
                          ">= (encoded as > the next float32 below θ - v0)",
            "timesteps": -1 if info.timesteps is None else int(info.timesteps),
            "input": "image" if not b.input_ops else "image after " + ", ".join(
                f"{op} {values}" for op, values in b.input_ops),
            "decoding": "mean of the output over the T steps"}


def _visit(b: _Builder, node: fx.Node) -> None:
    nir = b.nir
    if node.op == "placeholder":
        shape = b.shapes[node.name]
        b.sources[node.name] = [b.add("input", nir.Input(input_type={"input": np.array(shape)}), [])]
    elif node.op == "get_attr":
        return
    elif node.op == "output":
        (arg,) = node.args
        shape = b.shapes[arg.name]
        b.add("output", nir.Output(output_type={"output": np.array(shape)}), b.value(arg))
    elif node.op == "call_module":
        _module(b, node, b.modules[node.target])
    else:
        _function(b, node)


def _module(b: _Builder, node: fx.Node, mod: nn.Module) -> None:
    nir, name = b.nir, node.name
    inputs = b.value(node.args[0])
    if isinstance(mod, nn.Identity):
        b.sources[name] = inputs
    elif isinstance(mod, SpikingNeuron) and b.lossy:
        b.sources[name] = [_native_if(b, name, mod, b.shapes[name], inputs)]
    elif isinstance(mod, IFNeuron):
        b.sources[name] = [_if_layer(b, name, mod, b.shapes[name], inputs)]
    elif isinstance(mod, nn.Conv2d):
        if mod.padding_mode != "zeros" or isinstance(mod.padding, str):
            raise NotExact(f"{name}: padding {mod.padding!r} / {mod.padding_mode}")
        bias = _np(mod.bias) if mod.bias is not None else np.zeros(mod.out_channels, np.float32)
        b.sources[name] = [b.add(name, nir.Conv2d(
            input_shape=b.shapes[node.args[0].name][1:], weight=_np(mod.weight),
            stride=mod.stride, padding=mod.padding, dilation=mod.dilation, groups=mod.groups,
            bias=bias), inputs)]
    elif isinstance(mod, nn.Linear):
        bias = _np(mod.bias) if mod.bias is not None else np.zeros(mod.out_features, np.float32)
        b.sources[name] = [b.add(name, nir.Affine(weight=_np(mod.weight), bias=bias), inputs)]
    elif isinstance(mod, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
        b.sources[name] = [b.add(name, _avg_pool(nir, name, mod, b.shapes[node.args[0].name]),
                                 inputs)]
    elif isinstance(mod, nn.Flatten) and mod.start_dim == 1 and mod.end_dim == -1:
        b.sources[name] = [_flatten(b, name, node.args[0], inputs)]
    else:
        raise NotExact(f"{name}: {type(mod).__name__} has no exact NIR encoding here")


def _if_layer(b: _Builder, name: str, mod: IFNeuron, shape: tuple[int, ...],
              inputs: list[str]) -> str:
    """The four nodes of a reset-by-subtraction IF layer; returns the node to read from."""
    nir = b.nir
    theta, v0 = _full(mod.threshold, shape), _full(mod.v0, shape)
    shifted = (theta - v0).numpy().astype(np.float32)
    below = np.nextafter(shifted, np.float32(-np.inf), dtype=np.float32)
    b.add(f"{name}.I", nir.I(r=np.ones(shape, np.float32)), [*inputs, f"{name}.reset"])
    b.add(f"{name}.threshold", nir.Threshold(threshold=below), [f"{name}.I"])
    b.add(f"{name}.reset", nir.Scale(scale=-theta.numpy()), [f"{name}.threshold"])
    return b.add(f"{name}.scale", nir.Scale(scale=theta.numpy()), [f"{name}.threshold"])


def _native_if(b: _Builder, name: str, mod: SpikingNeuron, shape: tuple[int, ...],
               inputs: list[str]) -> str:
    """Lossy: NIR's own IF (reset to 0, no v0, no biases) and ``Scale(θ)`` on its spikes."""
    theta = _full(mod.threshold, shape).numpy()
    b.add(f"{name}.if", b.nir.IF(r=np.ones(shape, np.float32), v_threshold=theta,
                                 v_reset=np.zeros(shape, np.float32)), inputs)
    return b.add(f"{name}.scale", b.nir.Scale(scale=theta), [f"{name}.if"])


def _avg_pool(nir, name: str, mod: nn.Module, in_shape: tuple[int, ...]):
    if isinstance(mod, nn.AdaptiveAvgPool2d):
        out = mod.output_size if isinstance(mod.output_size, tuple) else (mod.output_size,) * 2
        if any(o is None or s % o for s, o in zip(in_shape[1:], out)):
            raise NotExact(f"{name}: adaptive pooling of {in_shape[1:]} to {out} is uneven")
        kernel = tuple(s // o for s, o in zip(in_shape[1:], out))
        stride, padding = kernel, (0, 0)
    else:
        pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
        kernel, padding = pair(mod.kernel_size), pair(mod.padding)
        stride = pair(mod.stride or mod.kernel_size)
        if any(padding) or mod.ceil_mode:
            raise NotExact(f"{name}: padded or ceil-mode average pooling")
    return nir.AvgPool2d(kernel_size=np.array(kernel), stride=np.array(stride),
                         padding=np.array(padding))


def _flatten(b: _Builder, name: str, arg: fx.Node, inputs: list[str]) -> str:
    shape = b.shapes[arg.name]
    return b.add(name, b.nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0,
                                     end_dim=-1), inputs)


def _function(b: _Builder, node: fx.Node) -> None:
    target, args, name = node.target, node.args, node.name
    if target in _ADDS and len(args) == 2 and not node.kwargs:
        b.sources[name] = b.value(args[0]) + b.value(args[1])
    elif target in (operator.sub, operator.truediv) and _is_input_normalization(b, node):
        constant = _attr(b.net, args[1].target)
        b.input_ops.append((target.__name__, constant.flatten().tolist()))
        b.sources[name] = b.value(args[0])
    elif (target == "flatten" and node.op == "call_method") or target is torch.flatten:
        if tuple(args[1:]) not in ((1,), (1, -1)) or node.kwargs:
            raise NotExact(f"{name}: flatten{tuple(args[1:])}")
        b.sources[name] = [_flatten(b, name, args[0], b.value(args[0]))]
    elif target is operator.getitem and _is_stride_two_slice(args[1]):
        b.sources[name] = [_fixed_conv(b, name, args[0], stride=2, pad=0)]
    elif target is F.pad and _channel_pad(args[1], node.kwargs) is not None:
        b.sources[name] = [_fixed_conv(b, name, args[0], stride=1,
                                       pad=_channel_pad(args[1], node.kwargs))]
    else:
        raise NotExact(f"{name}: {getattr(target, '__name__', target)} has no exact NIR encoding")


def _attr(module: nn.Module, target: str) -> Tensor:
    owner, _, leaf = target.rpartition(".")
    return getattr(module.get_submodule(owner) if owner else module, leaf).detach()


def _is_input_normalization(b: _Builder, node: fx.Node) -> bool:
    """``(x - mean) / std`` at the very input: a get_attr constant on a signal that is
    still the graph's input (the consumer normalises)."""
    signal, constant = node.args
    return (isinstance(constant, fx.Node) and constant.op == "get_attr"
            and isinstance(signal, fx.Node) and b.sources.get(signal.name) == ["input"])


def _is_stride_two_slice(index) -> bool:
    full = slice(None, None, None)
    return (isinstance(index, tuple) and len(index) == 4 and index[:2] == (full, full)
            and index[2:] == (slice(None, None, 2), slice(None, None, 2)))


def _channel_pad(pad, kwargs) -> int | None:
    if kwargs.get("mode", "constant") != "constant" or kwargs.get("value") not in (None, 0, 0.0):
        return None
    if isinstance(pad, tuple) and len(pad) == 6 and pad[:4] == (0, 0, 0, 0) and pad[4] == pad[5]:
        return int(pad[4])
    return None


def _fixed_conv(b: _Builder, name: str, arg: fx.Node, stride: int, pad: int) -> str:
    """A 1x1 convolution of 0/1 weights: a strided slice or a zero channel padding, exact
    (every output is one input times 1 plus zeros)."""
    channels = b.shapes[arg.name][0]
    weight = np.zeros((channels + 2 * pad, channels, 1, 1), np.float32)
    for c in range(channels):
        weight[pad + c, c] = 1.0
    return b.add(name, b.nir.Conv2d(
        input_shape=b.shapes[arg.name][1:], weight=weight, stride=stride, padding=0,
        dilation=1, groups=1, bias=np.zeros(channels + 2 * pad, np.float32)), b.value(arg))
