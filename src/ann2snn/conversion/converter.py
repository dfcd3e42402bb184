"""The conversion pipeline: trace, canonicalise, check, fold, observe, replace, calibrate
(docs/methods.md#pipeline)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import Tensor, fx, nn

from ann2snn.ann.sites import SITE_PREFIX
from ann2snn.batches import replayed
from ann2snn.calibration import get_calibration
from ann2snn.checks import check_finite_module
from ann2snn.conversion.assemble import ConversionRecord, assemble
from ann2snn.conversion.fold_bn import fold_batchnorm
from ann2snn.conversion.norms import canonicalize_norms
from ann2snn.conversion.observe import observe
from ann2snn.conversion.pooling import replace_maxpool_by_avgpool
from ann2snn.conversion.sites import ActivationSite, canonicalize_activations
from ann2snn.conversion.support import check_supported
from ann2snn.conversion.thresholds import ThresholdObserver
from ann2snn.conversion.trace import trace
from ann2snn.devices import parse_device
from ann2snn.errors import Ann2SnnError, ConversionError, MethodError, OptionError
from ann2snn.methods import get_method
from ann2snn.methods.compose import check_combination, check_options, resolve, site_rule
from ann2snn.methods.options import DEFAULT_METHOD, THRESHOLD_BATCHES, pass_parameters
from ann2snn.methods.recipe import Recipe
from ann2snn.models.normalize import architecture_of
from ann2snn.options import integer
from ann2snn.snn.network import SpikingNetwork


@dataclass
class PreparedANN:
    """The ANN as the SNN sees it: traced, activations canonical, BN folded."""

    gm: fx.GraphModule
    sites: list[ActivationSite]
    maxpool_replaced: list[str]
    bn_folded: int


def activation_state(gm: fx.GraphModule) -> dict[str, Tensor]:
    """The prepared ANN's activation tensors (``acts.<site>.*``: λ), detached copies."""
    return {k: v.detach().clone() for k, v in gm.state_dict().items()
            if k.startswith(f"{SITE_PREFIX}.")}


def check_timesteps(timesteps) -> int:
    if isinstance(timesteps, bool) or not isinstance(timesteps, int) or timesteps <= 0:
        raise Ann2SnnError(f"timesteps must be a positive integer, got {timesteps!r}")
    return timesteps


def check_model(model) -> nn.Module:
    """A ``torch.nn.Module`` with finite parameters, or a one-line error."""
    if not isinstance(model, nn.Module):
        raise ConversionError(f"the model must be a torch.nn.Module, got {type(model).__name__}")
    check_finite_module(model, f"the {type(model).__name__} model")
    return model


def model_device(model: nn.Module, device=None) -> torch.device:
    """``device`` if given (checked), else where the model's parameters are."""
    if device is not None:
        return parse_device(device)
    param = next(iter(model.parameters()), None)
    return param.device if param is not None else torch.device("cpu")


def prepare_ann(model: nn.Module, maxpool: str = "error") -> PreparedANN:
    """Trace, canonicalise activations, check support and fold BN."""
    check_model(model)
    if maxpool not in ("error", "avg"):
        raise ConversionError(f"maxpool must be 'error' or 'avg', got {maxpool!r}")
    gm = trace(copy.deepcopy(model))
    canonicalize_norms(gm)
    sites = canonicalize_activations(gm)
    replaced = replace_maxpool_by_avgpool(gm) if maxpool == "avg" else []
    check_supported(gm)
    if not sites:
        raise ConversionError(
            f"{type(model).__name__} has no ReLU, ClipReLU or QCFS activation: nothing to make "
            "spiking; is the activation written in a way ann2snn does not recognise?"
        )
    return PreparedANN(gm, sites, replaced, fold_batchnorm(gm))


def _lambda_threshold(site: ActivationSite) -> Tensor:
    if site.lam <= 0 or site.lam != site.lam or site.lam == float("inf"):
        raise MethodError(f"site {site.name!r} has λ = {site.lam:.4g}; the ANN is broken "
                          "(λ must be finite and > 0)")
    return torch.tensor(site.lam)


def _thresholds(prep: PreparedANN, recipe, calib, steps, calib_batches, device
                ) -> tuple[dict[str, Tensor], tuple[int, ...] | None, dict[str, str]]:
    """θ per site, the input shape seen in calibration (None if no data was used), and the
    sites (or channels) that never fired there."""
    rules = {s.name: site_rule(recipe, s.lam) for s in prep.sites}
    missing = [s.name for s in prep.sites if rules[s.name] == "lambda" and s.lam is None]
    if missing:
        raise MethodError(
            f"method {recipe.name!r} takes θ = λ, but {len(missing)} activation(s) are plain ReLU "
            f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); use a data threshold "
            "(threshold='percentile' or the 'robust' method) or train with ClipReLU/QCFS"
        )
    thresholds = {s.name: _lambda_threshold(s) for s in prep.sites if rules[s.name] == "lambda"}
    observers = {s.name: ThresholdObserver(rules[s.name], per_channel=recipe.per_channel,
                                           percentile=recipe.percentile, steps=steps)
                 for s in prep.sites if rules[s.name] != "lambda"}
    if not observers:
        return thresholds, None, {}
    if calib is None:
        raise MethodError(f"method {recipe.name!r} needs calibration data for its thresholds: "
                          "pass calib= (a DataLoader of training batches, never test data)")
    shape = observe(prep.gm, calib, observers, limit=calib_batches or THRESHOLD_BATCHES,
                    device=device)
    for site in prep.sites:
        if site.name in observers:
            thresholds[site.name] = observers[site.name].result()
            if site.cap is not None:  # ReLU6, Hardtanh(0, m): θ = min(m, data θ)
                thresholds[site.name] = thresholds[site.name].clamp(max=site.cap)
            if not bool(torch.isfinite(thresholds[site.name]).all()):
                raise MethodError(f"the calibration activations of layer {site.name!r} "
                                  f"({site.origin}) are NaN or infinite; the weights overflow")
    return thresholds, shape, {n: o.silent for n, o in observers.items() if o.silent}


def _resolved(recipe: Recipe, prep: PreparedANN, calib_batches) -> Recipe:
    recipe = resolve(recipe, {s.kind for s in prep.sites})
    check_combination(recipe)
    wrong = [s for s in prep.sites if s.kind not in recipe.activations]
    if wrong:
        raise MethodError(
            f"method {recipe.name!r} needs {'/'.join(recipe.activations)} activations, but "
            f"{wrong[0].name!r} ({wrong[0].origin}) is {wrong[0].kind}"
            f"{f' (and {len(wrong) - 1} more)' if len(wrong) > 1 else ''}; pick a method "
            "for this network (see `ann2snn methods`) or train it with the right activation"
        )
    check_options(recipe, {site_rule(recipe, s.lam) for s in prep.sites},
                  calib_batches=calib_batches)
    return recipe


def convert(
    model: nn.Module,
    method: str | Recipe = DEFAULT_METHOD,
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
    ``v0=``); an option that would change nothing on this network is refused. ``calib``
    yields training batches (tensors or ``(x, y)``) for data thresholds and calibration;
    every step reads the same batches. ``calib_batches`` caps how many thresholds and SNNC
    use (default: ``THRESHOLD_BATCHES`` of methods/options.py / ``CALIBRATION_BATCHES`` of
    calibration/registry.py) and
    is FTBC's ``B`` unless ``batches=`` is given. ``timesteps``
    is required by methods whose conversion depends on ``T`` (MSE, RTS, calibration).
    """
    check_model(model)
    recipe = get_method(method, **options)
    steps = None if timesteps is None else check_timesteps(timesteps)
    if calib_batches is not None:
        integer(1)("calib_batches", calib_batches)
    if recipe.depends_on_timesteps and steps is None:
        raise OptionError(f"method {recipe.name!r} depends on T: pass timesteps=T")
    return convert_prepared(prepare_ann(model, maxpool), model, recipe, calib, steps=steps,
                            calib_batches=calib_batches, device=model_device(model, device))


def convert_prepared(prep: PreparedANN, model: nn.Module, recipe: Recipe, calib, *,
                     steps: int | None, calib_batches: int | None, device) -> SpikingNetwork:
    """:func:`convert` on an ANN prepared once (an evaluation converts it for every ``T``
    and accounts against it): thresholds, assembly, calibration. ``prep`` is read, never
    changed (assembly copies its graph)."""
    recipe = _resolved(recipe, prep, calib_batches)
    calib = replayed(calib, recipe.seed)
    thresholds, shape, silent = _thresholds(prep, recipe, calib, steps, calib_batches, device)
    record = ConversionRecord(recipe, steps, {s.name: s.origin for s in prep.sites},
                              prep.maxpool_replaced, prep.bn_folded, input_shape=shape,
                              architecture=architecture_of(model),
                              ann_activations=activation_state(prep.gm), silent=silent)
    snn = assemble(prep.gm, prep.sites, thresholds, record).to(device)
    for step in recipe.calibration:
        if calib is None:
            raise MethodError(f"method {recipe.name!r} calibrates ({step}): pass calib= training batches")
        get_calibration(step)(snn, prep.gm, recipe, pass_parameters(step, recipe.params), calib,
                              steps=steps, limit=calib_batches, device=device)
    snn.seed(recipe.seed)  # calibration drew from the streams: restart them
    return snn
