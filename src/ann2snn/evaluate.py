"""Accuracy of an ANN and of its spiking conversion at every requested number of steps."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn

from ann2snn.checks import forward_checked
from ann2snn.conversion.converter import check_timesteps, convert
from ann2snn.errors import Ann2SnnError, MethodError
from ann2snn.methods import get_method
from ann2snn.methods.recipe import Recipe
from ann2snn.report import make_report
from ann2snn.snn.network import SpikingNetwork, decode


def _batches(data: Iterable, device) -> Iterable[tuple[Tensor, Tensor]]:
    seen = False
    for item in data:
        if not (isinstance(item, (tuple, list)) and len(item) >= 2):
            raise Ann2SnnError("evaluation data must yield (inputs, labels) batches")
        seen = True
        yield item[0].to(device), item[1].to(device)
    if not seen:
        raise Ann2SnnError("evaluation data is empty")


@torch.no_grad()
def snn_correct(snn: SpikingNetwork, x: Tensor, y: Tensor, steps: Sequence[int]) -> dict[int, int]:
    """Correct predictions at each ``t`` in ``steps`` from one run to ``max(steps)``."""
    mean_out = decode(snn(x, max(steps)))
    return {t: int((mean_out[t - 1].argmax(-1) == y).sum()) for t in steps}


def _progress(iterable, enabled: bool, desc: str, total: int | None = None):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Iterable,
    timesteps: Sequence[int],
    method: str | Recipe = "robust",
    calib: Iterable | None = None,
    *,
    calib_batches: int | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
    dataset: str = "custom",
    model_name: str | None = None,
    processes=None,
    skip_inapplicable: bool = False,
    **options,
) -> dict:
    """Evaluate ``model`` (ANN) and its conversion by ``method`` on ``data`` (``(x, y)``
    batches) at every ``T`` in ``timesteps``; returns a report (see :mod:`ann2snn.report`).

    Methods whose neurons do not depend on ``T`` are simulated once, to ``max(T)``; the
    others are converted and run once per ``T``; with ``skip_inapplicable`` the ``T`` values
    such a method refuses (``errorfree`` needs ``L = 2^T - 1``) are left out of the report
    and listed under ``skipped`` with the reason (an error if it refuses all). Under
    ``torchrun`` pass ``processes`` (:func:`ann2snn.training.distributed.setup`) and each
    process's shard of ``data``: every process uses rank 0's conversion; counts are summed.
    """
    from ann2snn.training import distributed as D

    procs = processes or D.Processes()
    steps = sorted({check_timesteps(t) for t in timesteps}) if timesteps else []
    if not steps:
        raise Ann2SnnError("timesteps is empty; give at least one T, e.g. [1, 2, 4, 8]")
    recipe = get_method(method, **options)
    if device is None:
        param = next(iter(model.parameters()), None)
        device = param.device if param is not None else torch.device("cpu")
    model = model.to(device).eval()
    data = list(data) if not hasattr(data, "__len__") else data

    started = time.perf_counter()
    runs = [None] if not recipe.depends_on_timesteps else steps
    snns, skipped = {}, {}
    for t in runs:
        try:
            snns[t] = convert(model, recipe, calib, timesteps=t, calib_batches=calib_batches,
                              device=device)
        except MethodError as exc:
            if not skip_inapplicable or t is None:
                raise
            skipped[t] = str(exc)
            continue
        D.broadcast_module(snns[t], procs)
    if not snns:
        reason = next(iter(skipped.values()))
        raise MethodError(f"{recipe.name} applies at none of T = {steps}: {reason}")
    steps = [t for t in steps if t not in skipped]
    seconds = {"convert": time.perf_counter() - started, "ann": 0.0, "snn": 0.0}

    correct = dict.fromkeys(steps, 0)
    ann_correct = total = 0
    for x, y in _progress(_batches(data, device), progress, f"{recipe.name}", len(data)):
        t0 = time.perf_counter()
        logits = forward_checked(model, x) if total == 0 else model(x)
        ann_correct += int((logits.argmax(-1) == y).sum())
        t1 = time.perf_counter()
        for t, snn in snns.items():
            wanted = steps if t is None else [t]
            runs = [wanted] if snn.uniform_in_time else [[k] for k in wanted]
            for run in runs:
                for k, v in snn_correct(snn, x, y, run).items():
                    correct[k] += v
        seconds["snn"] += time.perf_counter() - t1
        seconds["ann"] += t1 - t0
        total += int(y.shape[0])
    ann_correct, total, *sums = D.all_sum([ann_correct, total, *correct.values()], procs)
    correct = {t: int(v) for t, v in zip(correct, sums)}
    first = next(iter(snns.values()))
    return make_report(
        method=recipe.name, dataset=dataset, model=model_name or type(model).__name__,
        ann_accuracy=ann_correct / total,
        snn=[{"T": t, "accuracy": correct[t] / total} for t in steps],
        seconds=seconds, samples=int(total),
        latency=latency_note(first),
        calibration={str(t if t is not None else "all"): s.info["calibration"]
                     for t, s in snns.items() if "calibration" in s.info},
        options=dict(options),
        **({"skipped": {str(t): reason for t, reason in skipped.items()}} if skipped else {}),
    )


def latency_note(snn: SpikingNetwork) -> dict:
    """Per-layer latency: IF layers stream (one step per step); two-phase layers add T each."""
    layers = len(snn.neurons())
    two_phase = sum(1 for _, n in snn.neurons() if getattr(n, "two_phase", False))
    return {"spiking_layers": layers, "two_phase_layers": two_phase,
            "note": "T per layer; a two-phase layer fires only after accumulating T steps, so the "
                    "first output of N such layers appears after about N*T steps"
            if two_phase else "IF layers stream: the output at step t uses steps 1..t"}
