"""Step 3: check that every op of the traced graph has a spiking form.

Spiking tensors are ``[T·B, ...]`` inside the converted network, so an op is supported
when it is linear in its activation inputs (or shape-only) and treats samples
independently. Anything else is listed, all at once, in one :class:`ConversionError`.
"""

from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import fx, nn

from ann2snn.ann.sites import SITE_PREFIX
from ann2snn.conversion.norms import InferenceBatchNorm
from ann2snn.conversion.pooling import ADAPTIVE_MAX_TO_AVG, MAX_TO_AVG_FUNCTIONS, MAX_TO_AVG_MODULES
from ann2snn.conversion.trace import origin
from ann2snn.errors import ConversionError

SUPPORTED_MODULES: tuple[type[nn.Module], ...] = (
    nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear,
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
    nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.Flatten, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.Identity,
    nn.ZeroPad2d, nn.ConstantPad2d, nn.Upsample, InferenceBatchNorm,
)
_MAXPOOL = tuple(MAX_TO_AVG_MODULES)
_MAXPOOL_FUNCTIONS = {*MAX_TO_AVG_FUNCTIONS, *ADAPTIVE_MAX_TO_AVG}

SHAPE_FUNCTIONS = {operator.getitem, getattr, torch.flatten, F.pad, torch.reshape}
LINEAR_FUNCTIONS = {
    operator.add, torch.add, operator.iadd, torch.cat, F.avg_pool1d, F.avg_pool2d,
    F.avg_pool3d, F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d,
    F.conv1d, F.conv2d, F.conv3d, F.linear, F.dropout, F.interpolate, torch.mean, torch.sum,
}
SCALE_FUNCTIONS = {operator.mul, operator.truediv, torch.mul, torch.div, operator.neg}
DIFFERENCE_FUNCTIONS = {operator.sub, torch.sub}
SUPPORTED_METHODS = {
    "view", "reshape", "flatten", "size", "contiguous", "add", "add_", "mean", "sum",
    "mul", "div", "neg", "to", "float", "type_as", "dim", "sub",
}
_REDUCTIONS = {"mean", "sum", torch.mean, torch.sum}


def _kind(node: fx.Node, modules: dict[str, nn.Module]) -> str:
    """What the node is, for grouping: a module class, a function or a tensor method."""
    if node.op == "call_module":
        return type(modules[node.target]).__name__
    name = getattr(node.target, "__name__", str(node.target))
    return f"Tensor.{name}" if node.op == "call_method" else name


def _example(node: fx.Node) -> str:
    """The node's module path (or name) and the user's line it comes from."""
    where = origin(node, width=60)
    name = str(node.target) if node.op == "call_module" else node.name
    return f"{name} at {where}" if where else name


def grouped_problems(problems: list[tuple[str, str, str]], limit: int = 2000) -> str:
    """One line per kind of problem, ``N x kind (e.g. ex1; ex2; ex3, ...): why``, the whole
    at most ``limit`` characters (the kinds that do not fit are counted)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for kind, why, example in problems:
        groups.setdefault((kind, why), []).append(example)
    head = f"cannot convert {len(problems)} node(s), {len(groups)} kind(s) of problem:"
    lines, size = [head], len(head)
    for index, ((kind, why), examples) in enumerate(groups.items()):
        more = ", ..." if len(examples) > 3 else ""
        line = f"  {len(examples)} x {kind} (e.g. {'; '.join(examples[:3])}{more}): {why}"
        tail = f"  ... and {len(groups) - index} more kind(s)"
        if size + len(line) + len(tail) + 2 > limit:
            lines.append(tail)
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def signal_nodes(graph: fx.Graph) -> set[fx.Node]:
    """Nodes whose value depends on the network's input (the rest are constants)."""
    signals: set[fx.Node] = set()
    for node in graph.nodes:
        if node.op == "placeholder" or any(a in signals for a in node.all_input_nodes):
            signals.add(node)
    return signals


def _signal_args(node: fx.Node, signals: set[fx.Node]) -> int:
    return sum(1 for a in (*node.args, *node.kwargs.values()) if a in signals)


def _problem(node: fx.Node, modules: dict[str, nn.Module], signals: set[fx.Node]) -> str | None:
    """Why ``node`` cannot be converted, or None. ``signals`` depend on the input."""
    if node.op == "call_module":
        mod = modules[node.target]
        if str(node.target).startswith(SITE_PREFIX + "."):
            return None
        if isinstance(mod, _MAXPOOL):
            return ("max pooling has no exact spiking form; retrain with nn.AvgPool2d, or "
                    "pass maxpool='avg' to replace it by average pooling in ANN and SNN alike")
        if isinstance(mod, nn.modules.batchnorm._BatchNorm) and not mod.track_running_stats:
            return "BatchNorm without running statistics cannot be folded; set track_running_stats"
        if not isinstance(mod, SUPPORTED_MODULES):
            return "unsupported layer (no spiking form)"
        return None
    if node.op == "call_function":
        if node.target in _MAXPOOL_FUNCTIONS:
            return ("max pooling has no exact spiking form; retrain with average pooling, or "
                    "pass maxpool='avg'")
        if node.target is F.batch_norm:
            return ("batch statistics (training mode or no running statistics) mix samples; "
                    "convert the model in eval mode with running statistics")
        if node.target in SCALE_FUNCTIONS:
            two = _signal_args(node, signals) > 1
            return "product of two signals has no spiking form" if two else None
        if node.target in DIFFERENCE_FUNCTIONS:
            return None
        if node.target is torch.cat and _dim(node, 1) == 0:
            return "concatenation along the batch dimension"
        if node.target in _REDUCTIONS and _dim(node, 1) in (None, 0):
            return "reduction over the batch dimension (give dims that exclude 0)"
        if node.target in SHAPE_FUNCTIONS or node.target in LINEAR_FUNCTIONS:
            return None
        return "unsupported function (not linear in its input, or mixes samples)"
    if node.op == "call_method":
        if node.target in ("mul", "div"):
            two = _signal_args(node, signals) > 1
            return "product of two signals has no spiking form" if two else None
        if node.target in _REDUCTIONS and _dim(node, 1) in (None, 0):
            return "reduction over the batch dimension (give dims that exclude 0)"
        if node.target in SUPPORTED_METHODS:
            return None
        return "unsupported tensor method"
    return None


def _dim(node: fx.Node, position: int):
    dim = node.kwargs.get("dim", node.args[position] if len(node.args) > position else None)
    if isinstance(dim, (list, tuple)):
        return 0 if 0 in dim else dim[0] if dim else None
    return dim


def check_supported(gm: fx.GraphModule) -> None:
    """Raise one :class:`ConversionError` naming every kind of node that cannot be converted
    (grouped, with examples and the user's source lines)."""
    modules = dict(gm.named_modules())
    inputs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    problems = []
    signals = signal_nodes(gm.graph)
    if len(inputs) != 1:
        problems.append(("forward", "the network must take exactly one input tensor",
                         f"forward({', '.join(n.name for n in inputs)})"))
    for node in gm.graph.nodes:
        why = _problem(node, modules, signals)
        if why:
            problems.append((_kind(node, modules), why, _example(node)))
    if problems:
        raise ConversionError(grouped_problems(problems), [p[2] for p in problems])
