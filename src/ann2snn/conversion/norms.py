"""Step 2 (with the activations): normalisations as zoos write them, made plain modules.

Fused norm-activation modules (timm's ``BatchNormAct2d``: ``F.batch_norm`` on the module's
running statistics, then an activation) trace into a functional ``batch_norm`` call, a shape
``torch._assert`` and the activation module. In eval mode the call is the affine map
``y = (x - μ)·γ/σ + β``, ``σ = sqrt(var + eps)``: it becomes an :class:`InferenceBatchNorm`
module, which the fold step folds into the preceding convolution like any BatchNorm
(docs/methods.md#pipeline). Asserts check shapes only and are dropped.
"""

from __future__ import annotations

import inspect
import operator

import torch
import torch.nn.functional as F
from torch import fx, nn

from ann2snn.errors import ConversionError

_BATCH_NORMS = {F.batch_norm}
_ASSERTS = {torch._assert}
_SIGNATURE = inspect.signature(F.batch_norm)


class InferenceBatchNorm(nn.modules.batchnorm._BatchNorm):
    """A BatchNorm of running statistics, for inputs of any rank ``[B, C, ...]``."""

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() < 2:
            raise ValueError(f"expected an input [B, C, ...], got {x.dim()}D")


def _tensor(gm: fx.GraphModule, arg, what: str, node: fx.Node) -> torch.Tensor | None:
    if arg is None:
        return None
    if not (isinstance(arg, fx.Node) and arg.op == "get_attr"):
        raise ConversionError(f"{node.name}: F.batch_norm's {what} is computed in forward(), not "
                              "a stored buffer or parameter; cannot fold it")
    return operator.attrgetter(arg.target)(gm).detach()


def _module_for(gm: fx.GraphModule, node: fx.Node) -> tuple[str, nn.Module] | None:
    """The module equal to this ``batch_norm`` call in eval mode, and its path; None when the
    call uses batch statistics (training mode or no running statistics)."""
    bound = _SIGNATURE.bind(*node.args, **node.kwargs)
    bound.apply_defaults()
    a = bound.arguments
    if a["training"] is not False or a["running_mean"] is None or a["running_var"] is None:
        return None
    mean = _tensor(gm, a["running_mean"], "running mean", node)
    var = _tensor(gm, a["running_var"], "running variance", node)
    weight = _tensor(gm, a["weight"], "weight", node)
    bias = _tensor(gm, a["bias"], "bias", node)
    bn = InferenceBatchNorm(mean.shape[0], eps=float(a["eps"])).eval()
    bn.running_mean.copy_(mean)
    bn.running_var.copy_(var)
    with torch.no_grad():
        bn.weight.copy_(weight if weight is not None else torch.ones_like(mean))
        bn.bias.copy_(bias if bias is not None else torch.zeros_like(mean))
    owner = a["running_mean"].target.rpartition(".")[0]
    return f"{owner}.{node.name}" if owner else node.name, bn


def canonicalize_norms(gm: fx.GraphModule) -> int:
    """Rewrite ``gm`` in place: shape asserts dropped, eval-mode ``F.batch_norm`` calls as
    modules. Returns how many calls became modules."""
    made = 0
    for node in list(gm.graph.nodes):
        if node.op != "call_function":
            continue
        if node.target in _ASSERTS:
            gm.graph.erase_node(node)
        elif node.target in _BATCH_NORMS and (found := _module_for(gm, node)) is not None:
            path, bn = found
            gm.add_submodule(path, bn)
            with gm.graph.inserting_before(node):
                new = gm.graph.call_module(path, args=(node.args[0] if node.args
                                                       else node.kwargs["input"],))
            new.meta = dict(node.meta)
            node.replace_all_uses_with(new)
            gm.graph.erase_node(node)
            made += 1
    gm.graph.eliminate_dead_code()  # the asserts' conditions and the buffers' get_attr
    gm.delete_all_unused_submodules()
    gm.recompile()
    return made
