"""The conversions of one evaluation: the ANN prepared once, then one network for every
``T``, one per ``T``, or one causal calibration to ``max(T)`` serving every ``T``."""

from __future__ import annotations

from torch import nn

from ann2snn.conversion.converter import (
    convert_prepared,
    convert_prepared_over_T,
    prepare_ann,
    serves_every_T,
)
from ann2snn.distributed import broadcast_module
from ann2snn.errors import MethodError, OptionError
from ann2snn.methods.compose import check_horizon
from ann2snn.options import integer
from ann2snn.snn.network import SpikingNetwork


def prepared_ann(model: nn.Module, maxpool: str, cache: dict | None):
    """The prepared ANN (never changed by a conversion), from ``cache`` when an evaluation
    of the same model with the same ``maxpool`` prepared it already."""
    key = ("prepared", id(model), maxpool)
    if cache is None:
        return prepare_ann(model, maxpool)
    if key not in cache:
        cache[key] = prepare_ann(model, maxpool)
    return cache[key]


def convert_for_steps(prep, model, recipe, calib, steps, *, calib_batches, device, skip,
                      procs, log, memo=None) -> tuple[dict, dict[int, str]]:
    """One conversion of the prepared ANN ``prep`` for every ``T`` (``None`` key), one per
    ``T``, or one calibration to ``max(T)`` that gives each ``T`` its network; the ``T`` a
    method refuses are skipped with the reason when ``skip``."""
    snns: dict[int | None, SpikingNetwork] = {}
    skipped: dict[int, str] = {}
    if calib_batches is not None:
        integer(1)("calib_batches", calib_batches)
    check_horizon(recipe, max(steps))
    if len(steps) > 1 and serves_every_T(prep, recipe):
        log(f"converting with {recipe.name} for T = {', '.join(map(str, steps))} (one "
            f"calibration to T = {max(steps)}: it is causal in time)")
        snns = convert_prepared_over_T(prep, model, recipe, calib, steps,
                                       calib_batches=calib_batches, device=device, memo=memo)
        for snn in snns.values():
            broadcast_module(snn, procs)
        return snns, {}
    for t in steps if recipe.depends_on_timesteps else [None]:
        log(f"converting with {recipe.name}{'' if t is None else f' for T = {t}'}")
        try:
            snns[t] = convert_prepared(prep, model, recipe, calib, steps=t,
                                       calib_batches=calib_batches, device=device, memo=memo)
        except OptionError:
            raise
        except MethodError as exc:
            if not skip or t is None:
                raise
            skipped[t] = str(exc)
            continue
        broadcast_module(snns[t], procs)
    if not snns:
        raise MethodError(f"{recipe.name} applies at none of T = {steps}: "
                          f"{next(iter(skipped.values()))}")
    return snns, skipped
