"""The conversion as a fixed pipeline of named stages (docs/methods.md#pipeline).

ANN stages (the recipe does not enter; an evaluation runs them once):
``trace``, ``canonicalise``, ``check``, ``fold``. Recipe stages: ``resolve`` (the recipe
against the network), ``observe`` and ``thresholds`` (the recipe's threshold rule per
site), ``replace`` (the recipe's neuron kind, initial potential and bias shift per site),
``assemble``, ``calibrate`` (the recipe's passes, each with its typed parameters). A stage
reads and fills one :class:`Conversion`; every choice a stage makes is looked up in the
registry of that choice, so a new method is a new recipe, a new neuron or a new pass, never
an edit of the pipeline.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, fx, nn

from ann2snn.ann.sites import SITE_PREFIX
from ann2snn.calibration import get_calibration
from ann2snn.conversion.assemble import ConversionRecord, build_neurons, wrap
from ann2snn.conversion.fold_bn import fold_batchnorm
from ann2snn.conversion.memo import ConversionMemo
from ann2snn.conversion.norms import canonicalize_norms
from ann2snn.conversion.observe import observe
from ann2snn.conversion.pooling import replace_maxpool_by_avgpool
from ann2snn.conversion.replace import build_spiking_graph
from ann2snn.conversion.support import check_supported
from ann2snn.conversion.thresholds import ThresholdEstimator
from ann2snn.errors import ConversionError, MethodError
from ann2snn.graph.sites import canonicalize_activations
from ann2snn.graph.trace import trace
from ann2snn.methods.compose import (
    check_combination,
    check_options,
    quantiser_levels,
    resolve,
    serves_every_timestep,
    site_rule,
)
from ann2snn.methods.options import THRESHOLD_BATCHES, pass_parameters
from ann2snn.methods.recipe import Recipe
from ann2snn.models.normalize import architecture_of


@dataclass
class Conversion:
    """The inputs of one conversion, then what each stage found."""

    model: nn.Module
    maxpool: str = "error"
    recipe: Recipe | None = None
    calib: Any = None
    steps: int | None = None
    calib_batches: int | None = None
    device: torch.device | None = None
    gm: fx.GraphModule | None = None  # the prepared ANN (trace .. fold)
    sites: list = field(default_factory=list)
    maxpool_replaced: list[str] = field(default_factory=list)
    bn_folded: int = 0
    rules: dict[str, str] = field(default_factory=dict)  # threshold rule per site
    estimators: dict[str, ThresholdEstimator] = field(default_factory=dict)
    input_shape: tuple[int, ...] | None = None
    thresholds: dict[str, Tensor] = field(default_factory=dict)
    silent: dict[str, str] = field(default_factory=dict)
    snn_graph: fx.GraphModule | None = None
    snn: Any = None
    memo: ConversionMemo | None = None  # what conversions on the same batches share
    horizons: tuple[int, ...] = ()  # the shorter T that one causal calibration also serves
    per_horizon: dict = field(default_factory=dict)  # {t: (layer states, record)} for those


def _trace(c: Conversion) -> None:
    c.gm = trace(copy.deepcopy(c.model))


def _canonicalise(c: Conversion) -> None:
    """Normalisations and activations into modules; max pooling into average on request."""
    canonicalize_norms(c.gm)
    c.sites = canonicalize_activations(c.gm)
    c.maxpool_replaced = replace_maxpool_by_avgpool(c.gm) if c.maxpool == "avg" else []


def _check(c: Conversion) -> None:
    check_supported(c.gm)
    if not c.sites:
        raise ConversionError(
            f"{type(c.model).__name__} has no ReLU, ClipReLU or QCFS activation: nothing to "
            "make spiking; is the activation written in a way ann2snn does not recognise?")


def _fold(c: Conversion) -> None:
    c.bn_folded = fold_batchnorm(c.gm)


def _resolve(c: Conversion) -> None:
    """The recipe with its base merged in, checked against the network's activations."""
    recipe = resolve(c.recipe, {s.kind for s in c.sites})
    check_combination(recipe)
    wrong = [s for s in c.sites if s.kind not in recipe.activations]
    if wrong:
        raise MethodError(
            f"method {recipe.name!r} needs {'/'.join(recipe.activations)} activations, but "
            f"{wrong[0].name!r} ({wrong[0].origin}) is {wrong[0].kind}"
            f"{f' (and {len(wrong) - 1} more)' if len(wrong) > 1 else ''}; pick a method "
            "for this network (see `ann2snn methods`) or fine-tune it into one "
            f"(`ann2snn train --weights W --activation {recipe.activations[0]} ...`)")
    c.rules = {s.name: site_rule(recipe, s.lam) for s in c.sites}
    check_options(recipe, set(c.rules.values()), calib_batches=c.calib_batches)
    c.recipe = recipe


def _observe(c: Conversion) -> None:
    """Run the ANN on calibration batches where a site's rule needs data."""
    recipe = c.recipe
    missing = [s.name for s in c.sites if c.rules[s.name] == "lambda" and s.lam is None]
    if missing:
        raise MethodError(
            f"method {recipe.name!r} takes θ = λ, but {len(missing)} activation(s) are plain "
            f"ReLU ({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); use a data "
            "threshold (threshold='percentile' or the 'robust' method) or train with ClipReLU/QCFS")
    levels = quantiser_levels(recipe, c.steps)
    c.estimators = {name: ThresholdEstimator(rule, per_channel=recipe.per_channel,
                                           percentile=recipe.percentile, steps=c.steps,
                                           levels=levels)
                   for name, rule in c.rules.items() if rule != "lambda"}
    if not c.estimators:
        return
    if c.calib is None:
        raise MethodError(f"method {recipe.name!r} needs calibration data for its thresholds: "
                          "pass calib= (a DataLoader of training batches, never test data)")
    batches = c.calib_batches or THRESHOLD_BATCHES
    todo = c.memo.recall_observers(c.estimators, batches, c.device) if c.memo else c.estimators
    if not todo:
        c.input_shape = c.memo.input_shape
        return
    c.input_shape = observe(c.gm, c.calib, todo, max_batches=batches, device=c.device)
    if c.memo is not None:
        c.memo.keep_observers(todo, batches, c.device, c.input_shape)


def _threshold(c: Conversion, site) -> Tensor:
    """θ of one site: λ, or its observer's result capped at a fixed clip (ReLU6: 6)."""
    if c.rules[site.name] == "lambda":
        if not (0 < site.lam < float("inf")):
            raise MethodError(f"site {site.name!r} has λ = {site.lam:.4g}; the ANN is broken "
                              "(λ must be finite and > 0)")
        return torch.tensor(site.lam)
    theta = c.estimators[site.name].result()
    if site.cap is not None:
        theta = theta.clamp(max=site.cap)
    if not bool(torch.isfinite(theta).all()):
        raise MethodError(f"the calibration activations of layer {site.name!r} ({site.origin}) "
                          "are NaN or infinite; the weights overflow")
    return theta


def _thresholds(c: Conversion) -> None:
    c.thresholds = {s.name: _threshold(c, s) for s in c.sites}
    c.silent = {n: o.silent for n, o in c.estimators.items() if o.silent}


def _replace(c: Conversion) -> None:
    """Each site's neuron, as the recipe builds it, in a copy of the ANN's graph."""
    neurons = build_neurons(c.recipe, c.sites, c.thresholds, c.steps)
    c.snn_graph = build_spiking_graph(c.gm, neurons)


def _assemble(c: Conversion) -> None:
    record = ConversionRecord(
        c.recipe, c.steps, {s.name: s.origin for s in c.sites}, c.maxpool_replaced,
        c.bn_folded, input_shape=c.input_shape, architecture=architecture_of(c.model),
        ann_activations=activation_state(c.gm), silent=c.silent)
    c.snn = wrap(c.snn_graph, record).to(c.device)


def _calibrate(c: Conversion) -> None:
    """The recipe's passes in order, from where a remembered conversion ended (``memo``);
    with ``horizons``, the one causal pass serves those T too (docs/methods.md#ftbc)."""
    recipe, where = c.recipe, (c.steps, c.calib_batches, c.device)
    if c.horizons and not serves_every_timestep(recipe):
        raise ValueError(f"{recipe.name}: only one causal calibration pass serves several T")
    memo = None if c.horizons else c.memo  # a shared calibration is no single T's state
    done = memo.restore(c.snn, recipe, *where) if memo and recipe.calibration else 0
    for passes, step in enumerate(recipe.calibration[done:], done + 1):
        if c.calib is None:
            raise MethodError(f"method {recipe.name!r} calibrates ({step}): pass calib= "
                              "training batches")
        shared = {"horizons": c.horizons} if c.horizons else {}
        found = get_calibration(step)(c.snn, c.gm, recipe, pass_parameters(step, recipe.params),
                                      c.calib, steps=c.steps, calib_batches=c.calib_batches,
                                      device=c.device, **shared)
        c.per_horizon = found if c.horizons else {}
        if memo is not None:
            memo.keep(c.snn, recipe, passes, *where)
    c.snn.seed(recipe.seed)  # calibration drew from the streams: restart them


def activation_state(gm: fx.GraphModule) -> dict[str, Tensor]:
    """The prepared ANN's activation tensors (``acts.<site>.*``: λ), detached copies."""
    return {k: v.detach().clone() for k, v in gm.state_dict().items()
            if k.startswith(f"{SITE_PREFIX}.")}


Stage = tuple[str, Callable[[Conversion], None]]
ANN_STAGES: tuple[Stage, ...] = (("trace", _trace), ("canonicalise", _canonicalise),
                                 ("check", _check), ("fold", _fold))
RECIPE_STAGES: tuple[Stage, ...] = (
    ("resolve", _resolve), ("observe", _observe), ("thresholds", _thresholds),
    ("replace", _replace), ("assemble", _assemble), ("calibrate", _calibrate))


def run_stages(stages: tuple[Stage, ...], c: Conversion) -> Conversion:
    """Run ``stages`` in order on ``c``."""
    for _name, stage in stages:
        stage(c)
    return c
