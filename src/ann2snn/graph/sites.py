"""Find every activation however it is written, and make each call site a module.

Recognised: ``nn.ReLU``, ``F.relu``, ``torch.relu``, ``Tensor.relu`` (and their in-place
forms), fixed clips ``nn.ReLU6``/``F.relu6`` and ``nn.Hardtanh(0, m)``/``F.hardtanh(x, 0, m)``
(ReLU with a cap m: data thresholds, θ = min(m, data θ); docs/methods.md#activations),
``ClipReLU`` and ``QCFS`` (θ = λ). Each call site gets its own module under
``acts.<node name>``, even when one module object is called at several places, because
each site becomes a spiking layer with its own threshold.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import fx, nn

from ann2snn.ann.activations import make_activation
from ann2snn.ann.clip_relu import ClipReLU
from ann2snn.ann.qcfs import QCFS
from ann2snn.ann.sites import SITE_PREFIX
from ann2snn.errors import Ann2SnnError
from ann2snn.graph.trace import origin, trace

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
    cap: float | None = None  # a ReLU clipped at a fixed value (ReLU6, Hardtanh(0, m))


_CLIP_FUNCTIONS = {F.hardtanh, F.hardtanh_}


def _hardtanh_cap(low, high) -> float | None:
    """``m`` when ``hardtanh(x, low, high)`` is a ReLU capped at ``m`` (low = 0 < high)."""
    ok = isinstance(low, (int, float)) and isinstance(high, (int, float)) and low == 0 < high
    return float(high) if ok else None


def _site_module(node: fx.Node, modules: dict[str, nn.Module]
                 ) -> tuple[nn.Module, str, float | None] | None:
    """The site's ANN module, where it comes from, and the cap of a fixed clip."""
    if node.op == "call_module":
        mod = modules[node.target]
        if isinstance(mod, (ClipReLU, QCFS)):
            return copy.deepcopy(mod), f"{type(mod).__name__} '{node.target}'", None
        if isinstance(mod, nn.Hardtanh) and (cap := _hardtanh_cap(mod.min_val, mod.max_val)):
            return _fixed_clip(cap), f"nn.{type(mod).__name__} '{node.target}'", cap
        if isinstance(mod, nn.ReLU):
            return nn.ReLU(), f"nn.ReLU '{node.target}'", None
    elif node.op == "call_function" and node.target in _RELU_FUNCTIONS:
        name = f"{node.target.__module__.split('.')[-1]}.{node.target.__name__}"
        return nn.ReLU(), f"{name} at {origin(node)}", None
    elif node.op == "call_function" and node.target is F.relu6:
        return _fixed_clip(6.0), f"F.relu6 at {origin(node)}", 6.0
    elif node.op == "call_function" and node.target in _CLIP_FUNCTIONS:
        args = {**dict(zip(("input", "min_val", "max_val"), node.args)), **node.kwargs}
        cap = _hardtanh_cap(args.get("min_val", -1.0), args.get("max_val", 1.0))
        return None if cap is None else (_fixed_clip(cap), f"F.hardtanh at {origin(node)}", cap)
    elif node.op == "call_method" and node.target in _RELU_METHODS:
        return nn.ReLU(), f"Tensor.{node.target} at {origin(node)}", None
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
        mod, where, cap = found
        target = f"{SITE_PREFIX}.{node.name}"
        gm.add_submodule(target, mod)
        with gm.graph.inserting_before(node):
            new = gm.graph.call_module(target, args=(node.args[0],))
        new.meta = dict(node.meta)
        node.replace_all_uses_with(new)
        gm.graph.erase_node(node)
        sites.append(_describe(node.name, mod, where, cap))
    gm.delete_all_unused_submodules()
    gm.recompile()
    return sites


def _describe(name: str, mod: nn.Module, where: str, cap: float | None) -> ActivationSite:
    if cap is not None:
        return ActivationSite(name, "relu", where, cap=cap)
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


def replace_relu_sites(model: nn.Module, activation: str, **options) -> fx.GraphModule:
    """``model`` traced, every plain ReLU call site (module, ``F.relu``, ``torch.relu``,
    ``Tensor.relu``, in-place or not) made a fresh ``activation`` module under
    ``acts.<site>``: the model a ReLU network is fine-tuned as (docs/methods.md#fine-tuning).
    Fixed clips (ReLU6, Hardtanh(0, m)) and ClipReLU/QCFS sites are kept as they are. The
    parameters keep their names, so the ReLU network's weights load into it; a model with no
    ReLU site is refused."""
    training = model.training
    gm = trace(model)
    sites = canonicalize_activations(gm)
    plain = [s.name for s in sites if s.kind == "relu" and s.cap is None]
    if not plain:
        raise Ann2SnnError(
            f"{type(model).__name__} has no ReLU to make {activation} (found "
            f"{len(sites)} activation sites, none a plain ReLU: nn.ReLU, F.relu, torch.relu or "
            "Tensor.relu); use --activation relu, or give the model ReLUs")
    for name in plain:
        gm.add_submodule(f"{SITE_PREFIX}.{name}", make_activation(activation, **options))
    return gm.train(training)
