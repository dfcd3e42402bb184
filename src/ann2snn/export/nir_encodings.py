"""The NIR encodings of the ops ``graph/ops.py`` names, and of the spiking layers
(docs/methods.md#nir). An encoding takes the graph builder and one fx node and returns the
NIR nodes whose sum is the node's value; what it cannot encode exactly it refuses with
:class:`NotExact`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from torch import Tensor, fx, nn

from ann2snn.export.nir_losses import NotExact
from ann2snn.snn.if_neuron import IFNeuron
from ann2snn.snn.neuron import SpikingNeuron


def _np(t: Tensor) -> np.ndarray:
    return t.detach().cpu().float().numpy().copy()


def _full(param: Tensor, shape: tuple[int, ...]) -> Tensor:
    """A per-layer / per-channel / per-neuron parameter as an array of the layer's shape."""
    p = param.detach().float()
    if p.dim() == 1 and len(shape) > 1:
        p = p.reshape(-1, *([1] * (len(shape) - 1)))
    return p.expand(shape).clone()


def no_encoding(b, node: fx.Node) -> NotExact:
    """The refusal of an op with no exact NIR encoding."""
    if node.op == "call_module":
        what = type(b.modules[node.target]).__name__
    else:
        what = getattr(node.target, "__name__", node.target)
    return NotExact(f"{node.name}: {what} has no exact NIR encoding")


def encode_neuron(b, name: str, mod: SpikingNeuron, shape: tuple[int, ...],
                  inputs: list[str]) -> str:
    """A spiking layer: the four nodes of reset-by-subtraction IF, or (lossy) NIR's own IF;
    returns the node to read from."""
    if mod.coding != "rate":
        raise NotExact(f"{name}: differentially coded layers have no NIR form (NIR carries "
                       "rate-coded spikes)")
    if b.lossy:
        return _native_if(b, name, mod, shape, inputs)
    if not isinstance(mod, IFNeuron):
        raise NotExact(f"{name}: {mod.label} neurons have no NIR form")
    nir = b.nir
    theta, v0 = _full(mod.threshold, shape), _full(mod.v0, shape)
    shifted = (theta - v0).numpy().astype(np.float32)
    below = np.nextafter(shifted, np.float32(-np.inf), dtype=np.float32)
    b.add(f"{name}.I", nir.I(r=np.ones(shape, np.float32)), [*inputs, f"{name}.reset"])
    b.add(f"{name}.threshold", nir.Threshold(threshold=below), [f"{name}.I"])
    b.add(f"{name}.reset", nir.Scale(scale=-theta.numpy()), [f"{name}.threshold"])
    return b.add(f"{name}.scale", nir.Scale(scale=theta.numpy()), [f"{name}.threshold"])


def _native_if(b, name: str, mod: SpikingNeuron, shape: tuple[int, ...],
               inputs: list[str]) -> str:
    """Lossy: NIR's own IF (reset to 0, no v0, no biases) and ``Scale(θ)`` on its spikes."""
    theta = _full(mod.threshold, shape).numpy()
    b.add(f"{name}.if", b.nir.IF(r=np.ones(shape, np.float32), v_threshold=theta,
                                 v_reset=np.zeros(shape, np.float32)), inputs)
    return b.add(f"{name}.scale", b.nir.Scale(scale=theta), [f"{name}.if"])


def _identity(b, node: fx.Node) -> list[str]:
    return b.value(node.args[0])


def _conv2d(b, node: fx.Node) -> list[str]:
    mod = b.modules[node.target]
    if mod.padding_mode != "zeros" or isinstance(mod.padding, str):
        raise NotExact(f"{node.name}: padding {mod.padding!r} / {mod.padding_mode}")
    bias = _np(mod.bias) if mod.bias is not None else np.zeros(mod.out_channels, np.float32)
    return [b.add(node.name, b.nir.Conv2d(
        input_shape=b.shapes[node.args[0].name][1:], weight=_np(mod.weight),
        stride=mod.stride, padding=mod.padding, dilation=mod.dilation, groups=mod.groups,
        bias=bias), b.value(node.args[0]))]


def _affine(b, node: fx.Node) -> list[str]:
    mod = b.modules[node.target]
    bias = _np(mod.bias) if mod.bias is not None else np.zeros(mod.out_features, np.float32)
    return [b.add(node.name, b.nir.Affine(weight=_np(mod.weight), bias=bias),
                  b.value(node.args[0]))]


def _avg_pool2d(b, node: fx.Node) -> list[str]:
    mod, name, in_shape = b.modules[node.target], node.name, b.shapes[node.args[0].name]
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
    return [b.add(name, b.nir.AvgPool2d(kernel_size=np.array(kernel), stride=np.array(stride),
                                        padding=np.array(padding)), b.value(node.args[0]))]


def _flatten(b, node: fx.Node) -> list[str]:
    """Flattening all but the batch dim, as a module, a function or a method."""
    if node.op == "call_module":
        mod = b.modules[node.target]
        whole = mod.start_dim == 1 and mod.end_dim == -1
    else:
        whole = tuple(node.args[1:]) in ((1,), (1, -1)) and not node.kwargs
    if not whole:
        raise NotExact(f"{node.name}: flatten of only some dims")
    arg = node.args[0]
    return [b.add(node.name, b.nir.Flatten(input_type={"input": np.array(b.shapes[arg.name])},
                                           start_dim=0, end_dim=-1), b.value(arg))]


def _sum(b, node: fx.Node) -> list[str]:
    """Two signals into one node: NIR sums a node's inputs."""
    if len(node.args) != 2 or node.kwargs:
        raise no_encoding(b, node)
    return b.value(node.args[0]) + b.value(node.args[1])


def _input_normalization(b, node: fx.Node) -> list[str]:
    """``(x - mean) / std`` at the very input: a get_attr constant on a signal that is still
    the graph's input. The consumer normalises (the metadata says how)."""
    signal, constant = (*node.args, None)[:2]
    if not (isinstance(constant, fx.Node) and constant.op == "get_attr"
            and isinstance(signal, fx.Node) and b.sources.get(signal.name) == ["input"]):
        raise no_encoding(b, node)
    owner, _, leaf = constant.target.rpartition(".")
    values = getattr(b.net.get_submodule(owner) if owner else b.net, leaf).detach()
    b.input_ops.append((node.target.__name__, values.flatten().tolist()))
    return b.value(signal)


def _slice(b, node: fx.Node) -> list[str]:
    """The option-A shortcut's ``x[:, :, ::2, ::2]``: an exact strided 1x1 convolution."""
    full, index = slice(None, None, None), node.args[1]
    if not (isinstance(index, tuple) and len(index) == 4 and index[:2] == (full, full)
            and index[2:] == (slice(None, None, 2), slice(None, None, 2))):
        raise no_encoding(b, node)
    return [_fixed_conv(b, node.name, node.args[0], stride=2, pad=0)]


def _channel_pad(b, node: fx.Node) -> list[str]:
    """Zero padding of channels only (option A): an exact 1x1 convolution."""
    pad, kwargs = node.args[1], node.kwargs
    if (kwargs.get("mode", "constant") != "constant" or kwargs.get("value") not in (None, 0, 0.0)
            or not (isinstance(pad, tuple) and len(pad) == 6 and pad[:4] == (0, 0, 0, 0)
                    and pad[4] == pad[5])):
        raise no_encoding(b, node)
    return [_fixed_conv(b, node.name, node.args[0], stride=1, pad=int(pad[4]))]


def _fixed_conv(b, name: str, arg: fx.Node, stride: int, pad: int) -> str:
    """A 1x1 convolution of 0/1 weights: every output is one input times 1, or zero."""
    channels = b.shapes[arg.name][0]
    weight = np.zeros((channels + 2 * pad, channels, 1, 1), np.float32)
    for c in range(channels):
        weight[pad + c, c] = 1.0
    return b.add(name, b.nir.Conv2d(
        input_shape=b.shapes[arg.name][1:], weight=weight, stride=stride, padding=0,
        dilation=1, groups=1, bias=np.zeros(channels + 2 * pad, np.float32)), b.value(arg))


#: the encoding of every ``nir`` name in graph/ops.py
ENCODINGS: dict[str, Callable[..., list[str]]] = {
    "identity": _identity, "conv2d": _conv2d, "affine": _affine, "avg_pool2d": _avg_pool2d,
    "flatten": _flatten, "sum": _sum, "input_normalization": _input_normalization,
    "slice": _slice, "channel_pad": _channel_pad,
}
