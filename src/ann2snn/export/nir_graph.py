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
from typing import Any

import numpy as np
from torch import fx

from ann2snn.devices import available_bytes
from ann2snn.errors import Ann2SnnError
from ann2snn.export.nir_encodings import ENCODINGS, encode_neuron, no_encoding
from ann2snn.export.nir_losses import LOSSY_IF, NotExact, grouped, losses
from ann2snn.graph.ops import op_of
from ann2snn.run_options import INPUT_SHAPE
from ann2snn.snn.memory import node_shapes
from ann2snn.snn.network import SpikingNetwork
from ann2snn.snn.neuron import SpikingNeuron

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
    return tuple(INPUT_SHAPE.check("input_shape", shape))


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
        raise NotExact("not exactly exportable to NIR: " + "; ".join(grouped(lost))
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
    elif node.op == "output":
        (arg,) = node.args
        shape = b.shapes[arg.name]
        b.add("output", nir.Output(output_type={"output": np.array(shape)}), b.value(arg))
    elif node.op == "call_module" and isinstance(b.modules[node.target], SpikingNeuron):
        b.sources[node.name] = [encode_neuron(b, node.name, b.modules[node.target],
                                              b.shapes[node.name], b.value(node.args[0]))]
    elif node.op != "get_attr":
        op = op_of(node, b.modules)
        encode = ENCODINGS.get(op.nir) if op is not None and op.nir else None
        if encode is None:
            raise no_encoding(b, node)
        b.sources[node.name] = encode(b, node)
