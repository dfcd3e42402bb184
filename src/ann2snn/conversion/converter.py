"""The conversion pipeline: trace, canonicalise, check, fold, observe, replace, calibrate."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import torch
from torch import Tensor, fx, nn

from ann2snn.conversion.activations import ActivationSite, canonicalize_activations
from ann2snn.conversion.fold_bn import fold_batchnorm
from ann2snn.conversion.neurons import build_neuron
from ann2snn.conversion.observe import observe
from ann2snn.conversion.replace import build_spiking_graph, replace_maxpool_by_avgpool
from ann2snn.conversion.support import check_supported
from ann2snn.conversion.thresholds import ThresholdObserver
from ann2snn.conversion.trace import trace
from ann2snn.errors import Ann2SnnError, ConversionError, MethodError
from ann2snn.methods import get_method
from ann2snn.methods.compose import check_combination, resolve
from ann2snn.methods.recipe import Recipe
from ann2snn.snn.network import SpikingNetwork

#: forward-only calibration passes, by the name a recipe lists them under;
#: each is called as ``fn(snn, ann, recipe, data, steps=, limit=, device=)``.
CALIBRATIONS: dict[str, Callable[..., None]] = {}


def check_timesteps(timesteps) -> int:
    if isinstance(timesteps, bool) or not isinstance(timesteps, int) or timesteps <= 0:
        raise Ann2SnnError(f"timesteps must be a positive integer, got {timesteps!r}")
    return timesteps


def prepare_ann(
    model: nn.Module, maxpool: str = "error"
) -> tuple[fx.GraphModule, list[ActivationSite], dict]:
    """Trace, canonicalise activations, check support and fold BN: the ANN as the SNN sees it."""
    if not isinstance(model, nn.Module):
        raise ConversionError(f"convert() needs a torch.nn.Module, got {type(model).__name__}")
    if maxpool not in ("error", "avg"):
        raise ConversionError(f"maxpool must be 'error' or 'avg', got {maxpool!r}")
    gm = trace(copy.deepcopy(model))
    sites = canonicalize_activations(gm)
    info: dict = {"maxpool_replaced": replace_maxpool_by_avgpool(gm) if maxpool == "avg" else []}
    check_supported(gm)
    if not sites:
        raise ConversionError(
            f"{type(model).__name__} has no ReLU, ClipReLU or QCFS activation: nothing to make "
            "spiking; is the activation written in a way ann2snn does not recognise?"
        )
    info["bn_folded"] = fold_batchnorm(gm)
    return gm, sites, info


def _thresholds(gm, sites, recipe, calib, steps, calib_batches, device) -> dict[str, Tensor]:
    thresholds: dict[str, Tensor] = {}
    observers: dict[str, ThresholdObserver] = {}
    for site in sites:
        rule = recipe.threshold
        if rule == "auto":
            rule = "lambda" if site.lam is not None else "percentile"
        if rule == "lambda":
            if site.lam is None:
                continue  # reported below, all at once
            if site.lam <= 0:
                raise MethodError(f"site {site.name!r} has λ = {site.lam:.4g} <= 0; the ANN is broken")
            thresholds[site.name] = torch.tensor(site.lam)
        else:
            observers[site.name] = ThresholdObserver(
                rule, per_channel=recipe.per_channel, percentile=recipe.percentile, steps=steps
            )
    missing = [s.name for s in sites if s.name not in thresholds and s.name not in observers]
    if missing:
        raise MethodError(
            f"method {recipe.name!r} takes θ = λ, but {len(missing)} activation(s) are plain ReLU "
            f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); use a data threshold "
            "(threshold='percentile' or the 'robust' method) or train with ClipReLU/QCFS"
        )
    if observers:
        if calib is None:
            raise MethodError(
                f"method {recipe.name!r} needs calibration data for its thresholds: pass calib= "
                "(a DataLoader of training batches, never test data)"
            )
        observe(gm, calib, observers, limit=calib_batches, device=device)
        thresholds.update({name: obs.result() for name, obs in observers.items()})
    return thresholds


def convert(
    model: nn.Module,
    method: str | Recipe = "robust",
    calib: Iterable | None = None,
    *,
    timesteps: int | None = None,
    calib_batches: int | None = None,
    maxpool: str = "error",
    device: torch.device | str | None = None,
    **options,
) -> SpikingNetwork:
    """Convert a trained ANN into a :class:`SpikingNetwork`.

    ``method`` is a registered preset (``rate``, ``robust``, ``opi``, ``qcfs``, ...) whose
    choices ``options`` may override (``threshold=``, ``percentile=``, ``per_channel=``,
    ``v0=``). ``calib`` yields training batches (tensors or ``(x, y)``) for data thresholds
    and calibration; ``calib_batches`` caps how many are used. ``timesteps`` is required by
    methods whose conversion depends on ``T`` (MSE thresholds, RTS, calibration).
    """
    recipe = get_method(method, **options)
    steps = None if timesteps is None else check_timesteps(timesteps)
    if recipe.depends_on_timesteps and steps is None:
        raise MethodError(f"method {recipe.name!r} depends on T: pass timesteps=T")
    if device is None:
        param = next(iter(model.parameters()), None)
        device = param.device if param is not None else torch.device("cpu")
    gm, sites, info = prepare_ann(model, maxpool)
    recipe = resolve(recipe, {s.kind for s in sites})
    check_combination(recipe)
    wrong = [s for s in sites if s.kind not in recipe.activations]
    if wrong:
        raise MethodError(
            f"method {recipe.name!r} needs {'/'.join(recipe.activations)} activations, but "
            f"{wrong[0].name!r} ({wrong[0].origin}) is {wrong[0].kind}"
            f"{f' (and {len(wrong) - 1} more)' if len(wrong) > 1 else ''}; pick a method "
            "for this network (see `ann2snn methods`) or train it with the right activation"
        )
    thresholds = _thresholds(gm, sites, recipe, calib, steps, calib_batches, device)
    neurons = {s.name: build_neuron(recipe, s, thresholds[s.name], steps) for s in sites}
    snn = SpikingNetwork(
        build_spiking_graph(gm, neurons),
        recipe.name,
        {**info, "origins": {s.name: s.origin for s in sites}, "timesteps": steps,
         "recipe": recipe},
    ).to(device)
    snn.seed(recipe.seed)
    for step in recipe.calibration:
        if calib is None:
            raise MethodError(f"method {recipe.name!r} calibrates ({step}): pass calib= training batches")
        CALIBRATIONS[step](snn, gm, recipe, calib, steps=steps, limit=calib_batches,
                           device=device)
    snn.seed(recipe.seed)  # calibration drew from the streams: restart them
    return snn
