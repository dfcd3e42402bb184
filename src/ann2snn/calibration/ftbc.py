"""FTBC: forward temporal bias correction (Wu et al., ECCV 2024; docs/methods.md#ftbc).

Per spiking layer l, step t and channel, a bias ``β_l[t]`` added to the current. Found
forward only, layer by layer, on B training batches, K times:

    for t = 1..T:  δ = mean_{batch, space}(x_l[t] - a_l);  β_l[t] -= η·δ;  redo step t

Each layer is calibrated alone on its recorded input (one SNN pass per batch, never the
whole network per layer and step). Every iteration reads B fresh training batches (new
shuffles of an augmented set; ``fresh=False``: the same B). The iteration kept (0 = no
correction .. K) is the one with the best accuracy on held-out *training* batches, never on
evaluation data.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import torch
from torch import Tensor

from ann2snn.batches import fresh_batches, iterate_batches
from ann2snn.calibration.layerwise import Clock, channel_mean, layerwise_pass, take_batches
from ann2snn.calibration.registry import CALIBRATION_BATCHES, register_calibration
from ann2snn.errors import MethodError
from ann2snn.functional.if_neuron import IFParameters, if_init
from ann2snn.options import boolean, integer, option_field, real
from ann2snn.snn.network import SpikingNetwork, snn_correct
from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.snn.time import channelwise


@dataclass(frozen=True)
class FTBCParameters:
    """FTBC's parameters, each declared once (default, check, help, flag)."""

    eta: float = option_field(0.5, "FTBC step size η", real(0, strict=True), "--ftbc-eta", "ETA")
    batches: int = option_field(CALIBRATION_BATCHES, "FTBC calibration batches B (or "
                                "--calib-batches)", integer(1), "--ftbc-batches", "B")
    iterations: int = option_field(10, "FTBC iterations K", integer(0), "--ftbc-iterations", "K")
    holdout: int = option_field(4, "held-out training batches that choose FTBC's iteration",
                                integer(0), "--ftbc-holdout", "N")
    fresh: bool = option_field(True, "FTBC reads fresh training batches every iteration", boolean)


def ftbc_update(neuron: SpikingNeuron, currents: Tensor, ann_act: Tensor, eta: float,
                steps: int | None = None) -> Tensor:
    """One FTBC sweep over the steps of one layer on one batch (updates ``step_bias``);
    returns the layer's outputs with the corrected biases ``[T, B, ...]``.

    Each step is :func:`if_step`, the IF layer's own step, twice: a probe with ``β[t]``,
    the correction ``β[t] -= η·(mean(θ·s) - mean(a))``, then the step again with the
    corrected ``β[t]``, so that the biases equal those of re-running the whole network for
    every layer and step (tests/calibration). Written in place on two buffers, ``v + I``
    shared by both: eight passes per step, no allocation, the same values bit for bit. The
    sweep is causal (``β[t]`` reads steps ``<= t`` only), so a run of ``steps`` may come
    in time chunks: ``currents`` are then steps ``neuron.offset ..`` and the membrane is
    carried in ``neuron.state``."""
    steps, channels = steps or currents.shape[0], currents.shape[2]
    offset = neuron.offset
    if offset == 0 and (neuron.step_bias is None or neuron.step_bias.shape[0] != steps):
        neuron.step_bias = currents.new_zeros(steps, channels)
    sample_ndim = currents.dim() - 2
    p = IFParameters(neuron.param(neuron.threshold, currents), neuron.param(neuron.v0, currents))
    theta, const = p.threshold, neuron.param(neuron.bias, currents)
    target = channel_mean(ann_act, leading=1)
    carried = offset > 0 and neuron.state is not None
    v = neuron.state if carried else if_init(currents[0], p).v  # becomes the m buffer
    v_plus_i = torch.empty_like(v)
    values = torch.empty_like(currents)
    for i in range(currents.shape[0]):
        bias = neuron.step_bias[offset + i]
        torch.add(v, currents[i], out=v_plus_i)
        m = torch.add(v_plus_i, channelwise(bias, sample_ndim) + const, out=v)
        bias -= eta * (channel_mean(m.ge_(theta).mul_(theta), leading=1) - target)  # probe θ·s
        torch.add(v_plus_i, channelwise(bias, sample_ndim) + const, out=m)
        torch.ge(m, theta, out=values[i]).mul_(theta)
        v = m.sub_(values[i])
    neuron.state = v
    return values


def _accuracies(snn: SpikingNetwork, batches, horizons: tuple[int, ...]) -> dict[int, float]:
    """Accuracy at each ``t`` in ``horizons`` from one run to ``max(horizons)`` per batch."""
    correct, total = dict.fromkeys(horizons, 0), 0
    for x, y in batches:
        for t, c in snn_correct(snn, x, y, horizons).items():
            correct[t] += c
        total += int(y.shape[0])
    return {t: c / total for t, c in correct.items()}


def _biases(snn: SpikingNetwork, steps: int) -> dict[str, Tensor | None]:
    """Each layer's ``β[:steps]``, copied."""
    return {name: None if n.step_bias is None else n.step_bias[:steps].clone()
            for name, n in snn.neurons()}


def batch_counts(recipe, p: FTBCParameters, calib_batches: int | None) -> int:
    """B: ``batches=`` if the user set it, else ``calib_batches``, else the default."""
    return p.batches if "batches" in recipe.overridden else (calib_batches or p.batches)


def _iteration_batches(recipe, data, count: int, holdout: int, fresh: bool, device):
    """The held-out batches, and a function ``k -> the B batches of iteration k``: fresh
    batches every iteration (``fresh``: docs/methods.md#ftbc), else the same B."""
    first = take_batches(data, holdout if fresh else count + holdout, device)
    held = first[len(first) - holdout:] if holdout else []
    if len(first) < (holdout if fresh else count + holdout):
        raise MethodError(f"ftbc needs {'' if fresh else f'{count} + '}{holdout} batches of "
                          f"calibration data and got {len(first)}: pass more training batches, "
                          "or lower batches=/holdout=")
    if held and any(y is None for _, y in held):
        raise MethodError("ftbc picks its iteration on held-out training batches: the "
                          "calibration data must yield (x, y) pairs, or set holdout=0")
    if not fresh:
        return held, lambda _k: first[:count]
    stream = fresh_batches(data, skip=holdout, seed=recipe.seed)
    return held, lambda _k: list(iterate_batches(itertools.islice(stream, count),
                                                 "calibration data", device=device))


@register_calibration("ftbc", FTBCParameters, causal=True)
def ftbc(snn, ann, recipe, params: FTBCParameters, data, *, steps, calib_batches, device,
         horizons: tuple[int, ...] = ()) -> dict[int, tuple[dict, dict]]:
    """Calibrate ``snn``'s per-step biases in place; cost and choice go to ``snn.info``.

    ``horizons``: the ``T <= steps`` that this one calibration to ``steps`` also serves (the
    sweep is causal: the biases of the first ``t`` steps are those of a calibration to ``t``,
    docs/methods.md#ftbc); each keeps the iteration best at its own ``t`` on the held-out
    batches. Returns ``{t: (the layers' β[:t], its calibration record)}`` for those ``t``."""
    eta, iterations, holdout, fresh = params.eta, params.iterations, params.holdout, params.fresh
    count = batch_counts(recipe, params, calib_batches)
    held, batches_of = _iteration_batches(recipe, data, count, holdout, fresh, device)
    horizons = tuple(sorted({*horizons, steps}))
    clock, held_seconds = Clock(), 0.0
    begun = time.perf_counter()
    history = {t: [a] for t, a in _accuracies(snn, held, horizons).items()} if held else {}
    held_seconds += time.perf_counter() - begun
    kept = {t: (0, _biases(snn, t)) for t in horizons}
    for k in range(1, iterations + 1):
        for x, _ in batches_of(k):
            layerwise_pass(snn, ann, x, steps, lambda _name, n, cur, act: ftbc_update(
                n, cur, act, eta, steps), clock, chunked=True)
        if not held:
            continue
        begun = time.perf_counter()
        for t, acc in _accuracies(snn, held, horizons).items():
            if acc > max(history[t]):
                kept[t] = (k, _biases(snn, t))
            history[t].append(acc)
        held_seconds += time.perf_counter() - begun
    if not held:
        kept = {t: (iterations, _biases(snn, t)) for t in horizons}
    cost = clock.cost(steps, iterations, eta=eta, batches=count, iterations=iterations,
                      fresh=fresh, holdout_batches=len(held),
                      holdout_seconds=round(held_seconds, 3),
                      snn_passes=iterations * count + (iterations + 1) * len(held),
                      **({"calibrated_to": steps, "shared_by": list(horizons)}
                         if len(horizons) > 1 else {}))
    records = {t: {**cost, "chosen_iteration": kept[t][0],
                   "holdout_accuracy": history.get(t, [None])} for t in horizons}
    for name, neuron in snn.neurons():
        neuron.step_bias = kept[steps][1][name]
    snn.info.calibration["ftbc"] = records[steps]
    return {t: (kept[t][1], records[t]) for t in horizons if t != steps}
