"""Step 6: swap every activation site for its spiking layer and make adds time-aware."""

from __future__ import annotations

import copy
import operator

import torch
import torch.nn.functional as F
from torch import fx, nn

from ann2snn.conversion.activations import site_nodes
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


_MAX_TO_AVG_MODULES = {nn.MaxPool1d: nn.AvgPool1d, nn.MaxPool2d: nn.AvgPool2d,
                       nn.MaxPool3d: nn.AvgPool3d, nn.AdaptiveMaxPool1d: nn.AdaptiveAvgPool1d,
                       nn.AdaptiveMaxPool2d: nn.AdaptiveAvgPool2d,
                       nn.AdaptiveMaxPool3d: nn.AdaptiveAvgPool3d}
_MAX_TO_AVG_FUNCTIONS = {F.max_pool1d: F.avg_pool1d, F.max_pool2d: F.avg_pool2d,
                         F.max_pool3d: F.avg_pool3d, torch.max_pool1d: F.avg_pool1d,
                         torch.max_pool2d: F.avg_pool2d, torch.max_pool3d: F.avg_pool3d}
_ADAPTIVE_FUNCTIONS = {F.adaptive_max_pool1d: F.adaptive_avg_pool1d,
                       F.adaptive_max_pool2d: F.adaptive_avg_pool2d,
                       F.adaptive_max_pool3d: F.adaptive_avg_pool3d}
_POOL_ARGS = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
              "return_indices")


def _avg_module(mod: nn.Module) -> nn.Module | None:
    kind = _MAX_TO_AVG_MODULES[type(mod)]
    if hasattr(mod, "output_size"):
        return None if mod.return_indices else kind(mod.output_size)
    if mod.dilation not in (1, (1,), (1, 1), (1, 1, 1)) or mod.return_indices:
        return None
    return kind(mod.kernel_size, mod.stride, mod.padding, ceil_mode=mod.ceil_mode,
                count_include_pad=False)


def _avg_call(node: fx.Node) -> tuple | None:
    """``(function, args, kwargs)`` of average pooling for a max-pooling call, or None."""
    if node.target in _ADAPTIVE_FUNCTIONS:
        size = node.kwargs.get("output_size", node.args[1] if len(node.args) > 1 else None)
        indices = node.kwargs.get("return_indices", len(node.args) > 2 and node.args[2])
        return None if indices else (_ADAPTIVE_FUNCTIONS[node.target], (node.args[0], size), {})
    a = {**dict(zip(_POOL_ARGS, node.args)), **node.kwargs}
    if a.get("dilation", 1) not in (1, (1,), (1, 1), (1, 1, 1), [1, 1]) or a.get("return_indices"):
        return None
    stride = a.get("stride") or None  # torch.max_pool2d spells "no stride" as []
    return (_MAX_TO_AVG_FUNCTIONS[node.target], (a["input"], a["kernel_size"], stride,
            a.get("padding", 0), a.get("ceil_mode", False), False), {})


def replace_maxpool_by_avgpool(gm: fx.GraphModule) -> list[str]:
    """Opt-in (``maxpool='avg'``): max pooling, modules and functions alike, becomes average
    pooling of the same window (kernel, stride, padding; adaptive: output size), in the ANN
    reference and the SNN alike. Returns what was replaced (module paths, node names)."""
    replaced = []
    for name, mod in list(gm.named_modules()):
        if type(mod) in _MAX_TO_AVG_MODULES and (avg := _avg_module(mod)) is not None:
            parent, _, leaf = name.rpartition(".")
            setattr(gm.get_submodule(parent) if parent else gm, leaf, avg)
            replaced.append(name)
    for node in gm.graph.nodes:
        if node.op == "call_function" and (node.target in _MAX_TO_AVG_FUNCTIONS
                                           or node.target in _ADAPTIVE_FUNCTIONS):
            call = _avg_call(node)
            if call is not None:
                node.target, node.args, node.kwargs = call
                replaced.append(node.name)
    gm.recompile()
    return replaced
