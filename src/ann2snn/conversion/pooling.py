"""Max pooling: which ops are max pooling, and the opt-in replacement by average pooling of
the same window (``maxpool="avg"``, docs/methods.md#decisions)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import fx, nn

from ann2snn.graph.ops import FUNCTIONS, MODULES

#: max pooling and its average-pooling counterpart, modules and functions (graph/ops.py)
MAX_TO_AVG_MODULES = {k: op.avg_form for k, op in MODULES.items() if op.role == "max_pool"}
MAX_TO_AVG_FUNCTIONS = {k: op.avg_form for k, op in FUNCTIONS.items() if op.role == "max_pool"}
_ADAPTIVE = {F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d}
_POOL_ARGS = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
              "return_indices")


def _unit(dilation) -> bool:
    return all(d == 1 for d in (dilation if isinstance(dilation, (tuple, list)) else (dilation,)))


def _avg_module(mod: nn.Module) -> nn.Module | None:
    kind = MAX_TO_AVG_MODULES[type(mod)]
    if hasattr(mod, "output_size"):
        return None if mod.return_indices else kind(mod.output_size)
    if not _unit(mod.dilation) or mod.return_indices:
        return None
    return kind(mod.kernel_size, mod.stride, mod.padding, ceil_mode=mod.ceil_mode,
                count_include_pad=False)


def _avg_call(node: fx.Node) -> tuple | None:
    """``(function, args, kwargs)`` of average pooling for a max-pooling call, or None."""
    if node.target in _ADAPTIVE:
        size = node.kwargs.get("output_size", node.args[1] if len(node.args) > 1 else None)
        indices = node.kwargs.get("return_indices", len(node.args) > 2 and node.args[2])
        return None if indices else (MAX_TO_AVG_FUNCTIONS[node.target], (node.args[0], size), {})
    a = {**dict(zip(_POOL_ARGS, node.args)), **node.kwargs}
    if not _unit(a.get("dilation", 1)) or a.get("return_indices"):
        return None
    stride = a.get("stride") or None  # torch.max_pool2d spells "no stride" as []
    return (MAX_TO_AVG_FUNCTIONS[node.target], (a["input"], a["kernel_size"], stride,
            a.get("padding", 0), a.get("ceil_mode", False), False), {})


def replace_maxpool_by_avgpool(gm: fx.GraphModule) -> list[str]:
    """Opt-in (``maxpool='avg'``): max pooling, modules and functions alike, becomes average
    pooling of the same window (kernel, stride, padding; adaptive: output size), in the ANN
    reference and the SNN alike. Returns what was replaced (module paths, node names)."""
    replaced = []
    for name, mod in list(gm.named_modules()):
        if type(mod) in MAX_TO_AVG_MODULES and (avg := _avg_module(mod)) is not None:
            parent, _, leaf = name.rpartition(".")
            setattr(gm.get_submodule(parent) if parent else gm, leaf, avg)
            replaced.append(name)
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target in MAX_TO_AVG_FUNCTIONS:
            call = _avg_call(node)
            if call is not None:
                node.target, node.args, node.kwargs = call
                replaced.append(node.name)
    gm.recompile()
    return replaced
