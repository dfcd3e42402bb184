"""Step 6: swap every activation site for its spiking layer and make adds time-aware."""

from __future__ import annotations

import copy
import operator

import torch
from torch import fx, nn

from ann2snn.conversion.sites import site_nodes
from ann2snn.conversion.support import signal_nodes
from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.snn.time import time_add, time_cat, time_sub

NEURON_PREFIX = "neurons"
_TIME_ALIGNED = {operator.add: time_add, operator.iadd: time_add, torch.add: time_add,
                 operator.sub: time_sub, torch.sub: time_sub, torch.cat: time_cat}
_TIME_ALIGNED_METHODS = {"add": time_add, "add_": time_add, "sub": time_sub}


def build_spiking_graph(ann: fx.GraphModule, neurons: dict[str, SpikingNeuron]) -> fx.GraphModule:
    """A copy of ``ann`` in which site ``name`` runs ``neurons[name]``."""
    gm = copy.deepcopy(ann)
    nodes = site_nodes(gm)
    for name, neuron in neurons.items():
        node = nodes[name]
        gm.add_submodule(f"{NEURON_PREFIX}.{name}", neuron)
        node.target = f"{NEURON_PREFIX}.{name}"
    modules = dict(gm.named_modules())
    signals = signal_nodes(gm.graph)
    for node in list(gm.graph.nodes):
        mixes_signals = sum(1 for a in node.all_input_nodes if a in signals) > 1
        if not mixes_signals and node.op in ("call_function", "call_method"):
            continue
        if node.op == "call_function" and node.target in _TIME_ALIGNED:
            node.target = _TIME_ALIGNED[node.target]
        elif node.op == "call_method" and node.target in _TIME_ALIGNED_METHODS:
            node.op, node.target = "call_function", _TIME_ALIGNED_METHODS[node.target]
        elif node.op == "call_module" and isinstance(
            modules[node.target], (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)
        ):
            node.replace_all_uses_with(node.args[0])
            gm.graph.erase_node(node)
    gm.delete_all_unused_submodules()
    gm.recompile()
    return gm
