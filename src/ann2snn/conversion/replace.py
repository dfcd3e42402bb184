"""Step 6: swap every activation site for its spiking layer and make adds time-aware."""

from __future__ import annotations

import copy

from torch import fx

from ann2snn.graph.ops import op_of, signal_nodes
from ann2snn.graph.sites import site_nodes
from ann2snn.snn.neuron import SpikingNeuron

NEURON_PREFIX = "neurons"


def build_spiking_graph(ann: fx.GraphModule, neurons: dict[str, SpikingNeuron]) -> fx.GraphModule:
    """A copy of ``ann`` in which site ``name`` runs ``neurons[name]``; where two signals
    meet, an op becomes its time-aligned form, and dropout modules go (graph/ops.py)."""
    gm = copy.deepcopy(ann)
    nodes = site_nodes(gm)
    for name, neuron in neurons.items():
        node = nodes[name]
        gm.add_submodule(f"{NEURON_PREFIX}.{name}", neuron)
        node.target = f"{NEURON_PREFIX}.{name}"
    modules = dict(gm.named_modules())
    signals = signal_nodes(gm.graph)
    for node in list(gm.graph.nodes):
        op = op_of(node, modules)
        if op is None:
            continue
        if node.op == "call_module" and op.role == "dropout":
            node.replace_all_uses_with(node.args[0])
            gm.graph.erase_node(node)
        elif op.time_form is not None and sum(1 for a in node.all_input_nodes if a in signals) > 1:
            node.op, node.target = "call_function", op.time_form
    gm.delete_all_unused_submodules()
    gm.recompile()
    return gm
