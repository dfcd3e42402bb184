"""Step 3: check that every op of the traced graph has a spiking form.

Spiking tensors are ``[T·B, ...]`` inside the converted network, so an op is supported
when it is linear in its activation inputs (or shape-only) and treats samples
independently. Anything else is listed, all at once, in one :class:`ConversionError`.
"""

from __future__ import annotations

from torch import fx, nn

from ann2snn.ann.sites import SITE_PREFIX
from ann2snn.errors import ConversionError
from ann2snn.graph.ops import op_of, signal_args, signal_nodes
from ann2snn.graph.trace import origin

_MAX_POOL = ("max pooling has no exact spiking form; retrain with average pooling, or pass "
             "maxpool='avg' to replace it by average pooling in ANN and SNN alike")
_NOT_IN_TABLE = {"call_module": "unsupported layer (no spiking form)",
                 "call_function": "unsupported function (not linear in its input, or mixes samples)",
                 "call_method": "unsupported tensor method"}
_BATCH_DIM = {"concat": "concatenation along the batch dimension",
              "reduce": "reduction over the batch dimension (give dims that exclude 0)"}


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


def grouped_problems(problems: list[tuple[str, str, str]], max_chars: int = 2000) -> str:
    """One line per kind of problem, ``N x kind (e.g. ex1; ex2; ex3, ...): why``, the whole
    at most ``max_chars`` characters (the kinds that do not fit are counted)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for kind, why, example in problems:
        groups.setdefault((kind, why), []).append(example)
    head = f"cannot convert {len(problems)} node(s), {len(groups)} kind(s) of problem:"
    lines, size = [head], len(head)
    for index, ((kind, why), examples) in enumerate(groups.items()):
        more = ", ..." if len(examples) > 3 else ""
        line = f"  {len(examples)} x {kind} (e.g. {'; '.join(examples[:3])}{more}): {why}"
        tail = f"  ... and {len(groups) - index} more kind(s)"
        if size + len(line) + len(tail) + 2 > max_chars:
            lines.append(tail)
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def _problem(node: fx.Node, modules: dict[str, nn.Module], signals: set[fx.Node]) -> str | None:
    """Why ``node`` cannot be converted, or None (its entry in ``graph/ops.py`` decides;
    ``signals`` depend on the input)."""
    if node.op not in _NOT_IN_TABLE:
        return None
    if node.op == "call_module" and str(node.target).startswith(SITE_PREFIX + "."):
        return None
    op = op_of(node, modules)
    if op is None:
        return _NOT_IN_TABLE[node.op]
    if op.role == "max_pool":
        return _MAX_POOL
    if op.role == "batch_stats":
        return ("batch statistics (training mode or no running statistics) mix samples; "
                "convert the model in eval mode with running statistics")
    if op.role == "affine" and node.op == "call_module" and not modules[node.target].track_running_stats:
        return "BatchNorm without running statistics cannot be folded; set track_running_stats"
    if op.role == "scale" and signal_args(node, signals) > 1:
        return "product of two signals has no spiking form"
    if op.role in _BATCH_DIM and _dim(node, 1) in (None, 0):  # torch.cat's default dim is 0
        return _BATCH_DIM[op.role]
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
