"""Step 4: fold every BatchNorm that follows a conv or linear layer into its weights.

``W' = W·γ/σ``, ``b' = (b - μ)·γ/σ + β`` with ``σ = sqrt(var + eps)``.
"""

from __future__ import annotations

from torch import fx, nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval


def _set_module(gm: fx.GraphModule, target: str, module: nn.Module) -> None:
    parent, _, name = target.rpartition(".")
    setattr(gm.get_submodule(parent) if parent else gm, name, module)


def fold_batchnorm(gm: fx.GraphModule) -> int:
    """Fold in place; returns how many BatchNorms were folded. Others stay (eval affine)."""
    modules = dict(gm.named_modules())
    calls: dict[str, int] = {}
    for node in gm.graph.nodes:
        if node.op == "call_module":
            calls[node.target] = calls.get(node.target, 0) + 1
    folded = 0
    for node in list(gm.graph.nodes):
        if node.op != "call_module":
            continue
        bn = modules[node.target]
        if not isinstance(bn, nn.modules.batchnorm._BatchNorm) or not bn.track_running_stats:
            continue
        prev = node.args[0]
        if not (isinstance(prev, fx.Node) and prev.op == "call_module"):
            continue
        layer = modules[prev.target]
        if len(prev.users) != 1 or calls[prev.target] != 1 or calls[node.target] != 1:
            continue
        if isinstance(layer, nn.modules.conv._ConvNd) and not layer.transposed:
            fused = fuse_conv_bn_eval(layer.eval(), bn.eval())
        elif isinstance(layer, nn.Linear) and isinstance(bn, nn.BatchNorm1d):
            fused = fuse_linear_bn_eval(layer.eval(), bn.eval())
        else:
            continue
        _set_module(gm, prev.target, fused)
        modules[prev.target] = fused
        node.replace_all_uses_with(prev)
        gm.graph.erase_node(node)
        folded += 1
    gm.delete_all_unused_submodules()
    gm.recompile()
    return folded
