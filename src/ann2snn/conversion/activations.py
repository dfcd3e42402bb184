"""Step 2: find every activation however it is written, and make each call site a module.

Recognised: ``nn.ReLU``, ``F.relu``, ``torch.relu``, ``Tensor.relu`` (and their in-place
forms), ``nn.ReLU6``/``F.relu6`` (a clip at 6), ``ClipReLU`` and ``QCFS``. Each call site
gets its own module under ``acts.<node name>``, even when one module object is called at
several places, because each site becomes a spiking layer with its own threshold.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import fx, nn

from ann2snn.ann.clip_relu import ClipReLU
from ann2snn.ann.qcfs import QCFS
from ann2snn.conversion.trace import origin

SITE_PREFIX = "acts"
_RELU_FUNCTIONS = {F.relu, torch.relu, torch.relu_, F.relu_}
_RELU_METHODS = {"relu", "relu_"}


@dataclass(frozen=True)
class ActivationSite:
    """One activation call site: its kind, where it comes from, and its ANN parameters."""

    name: str  # fx node name, unique
    kind: str  # "relu" | "clip" | "qcfs"
    origin: str
    lam: float | None = None
    levels: int | None = None
    shift: float | None = None


def _site_module(node: fx.Node, modules: dict[str, nn.Module]) -> tuple[nn.Module, str] | None:
    if node.op == "call_module":
        mod = modules[node.target]
        if isinstance(mod, (ClipReLU, QCFS)):
            return copy.deepcopy(mod), f"{type(mod).__name__} '{node.target}'"
        if isinstance(mod, nn.ReLU6):
            return _fixed_clip(6.0), f"nn.ReLU6 '{node.target}'"
        if isinstance(mod, nn.ReLU):
            return nn.ReLU(), f"nn.ReLU '{node.target}'"
    elif node.op == "call_function" and node.target in _RELU_FUNCTIONS:
        name = f"{node.target.__module__.split('.')[-1]}.{node.target.__name__}"
        return nn.ReLU(), f"{name} at {origin(node)}"
    elif node.op == "call_function" and node.target is F.relu6:
        return _fixed_clip(6.0), f"F.relu6 at {origin(node)}"
    elif node.op == "call_method" and node.target in _RELU_METHODS:
        return nn.ReLU(), f"Tensor.{node.target} at {origin(node)}"
    return None


def _fixed_clip(lam: float) -> ClipReLU:
    clip = ClipReLU(lam)
    clip.lam.requires_grad_(False)
    return clip


def canonicalize_activations(gm: fx.GraphModule) -> list[ActivationSite]:
    """Rewrite ``gm`` in place so that every activation is ``call_module acts.<name>``."""
    modules = dict(gm.named_modules())
    sites = []
    for node in list(gm.graph.nodes):
        found = _site_module(node, modules)
        if found is None:
            continue
        mod, where = found
        target = f"{SITE_PREFIX}.{node.name}"
        gm.add_submodule(target, mod)
        with gm.graph.inserting_before(node):
            new = gm.graph.call_module(target, args=(node.args[0],))
        new.meta = dict(node.meta)
        node.replace_all_uses_with(new)
        gm.graph.erase_node(node)
        sites.append(_describe(node.name, mod, where))
    gm.delete_all_unused_submodules()
    gm.recompile()
    return sites


def _describe(name: str, mod: nn.Module, where: str) -> ActivationSite:
    if isinstance(mod, QCFS):
        return ActivationSite(name, "qcfs", where, float(mod.lam.detach()), mod.levels, mod.shift)
    if isinstance(mod, ClipReLU):
        return ActivationSite(name, "clip", where, float(mod.lam.detach()))
    return ActivationSite(name, "relu", where)


def site_nodes(gm: fx.GraphModule) -> dict[str, fx.Node]:
    """Activation-site nodes of a canonicalised graph, by site name, in network order."""
    return {
        str(n.target)[len(SITE_PREFIX) + 1 :]: n
        for n in gm.graph.nodes
        if n.op == "call_module" and str(n.target).startswith(SITE_PREFIX + ".")
    }
