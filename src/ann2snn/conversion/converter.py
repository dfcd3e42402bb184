"""Conversion's public entry points: :func:`convert`, and :func:`prepare_ann` /
:func:`convert_prepared` for callers that convert one ANN for several T; each runs the
stages of conversion/pipeline.py (docs/methods.md#pipeline)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import fx, nn

from ann2snn.batches import replayed
from ann2snn.checks import check_finite_module
from ann2snn.conversion.memo import ConversionMemo
from ann2snn.conversion.pipeline import ANN_STAGES, RECIPE_STAGES, Conversion, run_stages
from ann2snn.devices import parse_device
from ann2snn.errors import Ann2SnnError, ConversionError, MethodError, OptionError
from ann2snn.graph.sites import ActivationSite
from ann2snn.methods import get_method
from ann2snn.methods.compose import auto_method, check_horizon, resolve, serves_every_timestep
from ann2snn.methods.options import DEFAULT_METHOD
from ann2snn.methods.recipe import Recipe
from ann2snn.run_options import CALIB_BATCHES, TIMESTEPS
from ann2snn.snn.network import SpikingNetwork


@dataclass
class PreparedANN:
    """The ANN as the SNN sees it: traced, activations canonical, BN folded."""

    gm: fx.GraphModule
    sites: list[ActivationSite]
    maxpool_replaced: list[str]
    bn_folded: int


def check_timesteps(timesteps) -> int:
    return TIMESTEPS.check("timesteps", timesteps)


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
    """The pipeline's ANN stages: trace, canonicalise, check, fold."""
    check_model(model)
    if maxpool not in ("error", "avg"):
        raise ConversionError(f"maxpool must be 'error' or 'avg', got {maxpool!r}")
    c = run_stages(ANN_STAGES, Conversion(model, maxpool))
    return PreparedANN(c.gm, c.sites, c.maxpool_replaced, c.bn_folded)


def converted_recipe(snn: SpikingNetwork, steps: list[int], method, options: dict,
                     **conversion) -> Recipe:
    """The recipe of a network converted before; it runs only at the ``T`` it was made for,
    if its conversion depends on ``T``. Conversion arguments (``calib``, ``calib_batches``,
    ``maxpool``) would change nothing, and are refused."""
    if not isinstance(snn, SpikingNetwork):
        raise Ann2SnnError(f"snn must be a SpikingNetwork, got {type(snn).__name__}: load a saved "
                           "file with ann2snn.load_snn(path), its ANN with ann2snn.load_ann(path)")
    unset = {"calib": None, "calib_batches": None, "maxpool": "error"}
    given = [*(["method"] if method is not None else []), *options,
             *[k for k, v in conversion.items()
               if (v is not None if unset[k] is None else v != unset[k])]]
    if given:
        raise OptionError(f"{', '.join(given)}: a converted network is evaluated as it is "
                          f"({snn.info.recipe.name}); drop them")
    made_for = snn.info.timesteps
    if made_for is not None and steps != [made_for]:
        raise MethodError(f"this network was converted for T = {made_for} "
                          f"({snn.info.recipe.name} depends on T): evaluate it at T = {made_for}")
    return snn.info.recipe


def method_recipe(method: str | Recipe | None, options: dict,
                  prep: PreparedANN | None = None) -> Recipe | None:
    """The recipe of ``method`` (None: :data:`DEFAULT_METHOD`) with ``options``, each checked;
    ``auto`` is the method :func:`auto_method` picks from ``prep``'s activations (None
    until the ANN is prepared)."""
    name = method or DEFAULT_METHOD
    if name != "auto":
        return get_method(name, **options)
    return None if prep is None else get_method(auto_method({s.kind for s in prep.sites}),
                                                **options)


def evaluated_recipe(method, options: dict, snn: SpikingNetwork | None, steps: list[int],
                     **conversion) -> Recipe | None:
    """What an evaluation runs, checked before any work: a saved network's own recipe, a
    named method's, or None for ``auto`` (decided once the ANN is prepared)."""
    if snn is not None:
        return converted_recipe(snn, steps, method, options, **conversion)
    return method_recipe(method, options)


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
    recipe = method_recipe(method, options)
    prep = None if recipe is not None else prepare_ann(model, maxpool)
    recipe = recipe or method_recipe(method, options, prep)  # auto: by its activations
    steps = None if timesteps is None else check_timesteps(timesteps)
    if calib_batches is not None:
        CALIB_BATCHES.check("calib_batches", calib_batches)
    if recipe.depends_on_timesteps and steps is None:
        raise OptionError(f"method {recipe.name!r} depends on T: pass timesteps=T")
    if steps is not None:
        check_horizon(recipe, steps)
    return convert_prepared(prep or prepare_ann(model, maxpool), model, recipe, calib, steps=steps,
                            calib_batches=calib_batches, device=model_device(model, device))


def check_applies(prep: PreparedANN, model: nn.Module, recipe: Recipe) -> None:
    """The pipeline's ``resolve`` stage alone: a :class:`MethodError` if ``recipe`` does not
    apply to the network (its activations, its combination of choices), before any work."""
    c = Conversion(model, recipe=recipe, gm=prep.gm, sites=prep.sites)
    run_stages(RECIPE_STAGES[:1], c)


def convert_prepared(prep: PreparedANN, model: nn.Module, recipe: Recipe, calib, *,
                     steps: int | None, calib_batches: int | None, device,
                     memo: ConversionMemo | None = None) -> SpikingNetwork:
    """:func:`convert` on an ANN prepared once (an evaluation converts it for every ``T``
    and accounts against it): the pipeline's recipe stages. ``prep`` is read, never
    changed (the replace stage copies its graph). ``memo``: thresholds and calibrated
    states shared with earlier conversions of ``prep`` on the same ``calib`` (conversion/memo.py)."""
    return _run_recipe(prep, model, recipe, calib, steps, calib_batches, device, memo).snn


def _run_recipe(prep: PreparedANN, model: nn.Module, recipe: Recipe, calib, steps,
                calib_batches, device, memo, horizons: tuple[int, ...] = ()) -> Conversion:
    """The pipeline's recipe stages on ``prep``, with ``calib`` replayed (and ``memo``'s)."""
    calib = replayed(calib, recipe.seed)
    if memo is not None and memo.calib is not calib:
        raise ValueError("the conversion memo belongs to other calibration data")
    c = Conversion(model, recipe=recipe, calib=calib, steps=steps,
                   calib_batches=calib_batches, device=device, gm=prep.gm, sites=prep.sites,
                   maxpool_replaced=prep.maxpool_replaced, bn_folded=prep.bn_folded, memo=memo,
                   horizons=horizons)
    return run_stages(RECIPE_STAGES, c)


def serves_every_T(prep: PreparedANN, recipe: Recipe) -> bool:
    """True when one conversion of ``prep`` by ``recipe`` to ``max(T)`` serves every T
    (:func:`~ann2snn.methods.compose.serves_every_timestep` on the recipe as resolved for
    this network's activations)."""
    return serves_every_timestep(resolve(recipe, {s.kind for s in prep.sites}))


def convert_prepared_over_T(prep: PreparedANN, model: nn.Module, recipe: Recipe, calib,
                            timesteps: list[int], *, calib_batches: int | None, device,
                            memo: ConversionMemo | None = None) -> dict[int, SpikingNetwork]:
    """``{T: network}`` for every T in ``timesteps`` from one conversion to ``max(T)``, for a
    recipe that :func:`serves_every_T`: each network holds the first T steps of the
    per-step biases of the iteration best at T, as a conversion for T alone finds them
    (docs/methods.md#ftbc)."""
    c = _run_recipe(prep, model, recipe, calib, max(timesteps), calib_batches, device, memo,
                    horizons=tuple(timesteps))
    longest = c.snn
    nets = {}
    for t, (states, record) in c.per_horizon.items():
        net = copy.deepcopy(longest)
        net.info.timesteps = t
        net.info.calibration = {**net.info.calibration, c.recipe.calibration[0]: record}
        for name, neuron in net.neurons():
            neuron.step_bias = states[name]
        nets[t] = net
    return {t: nets.get(t, longest) for t in timesteps}
