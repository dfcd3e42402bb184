"""Accuracy of an ANN and of its spiking conversion at every requested number of steps."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from itertools import chain

import torch
from torch import Tensor, nn

from ann2snn.batches import Batch, iterate_batches, replayed
from ann2snn.checks import check_finite_output, check_flags, forward_checked
from ann2snn.conversion.converter import (
    check_applies,
    check_model,
    evaluated_recipe,
    method_recipe,
    model_device,
)
from ann2snn.conversion.memo import memo_for
from ann2snn.conversion.sweep import convert_for_steps, prepared_ann
from ann2snn.costs.accounting import Accounting, accounted_parts
from ann2snn.costs.energy import latency_note
from ann2snn.distributed import Processes, all_sum
from ann2snn.methods.recipe import Recipe
from ann2snn.report import make_report
from ann2snn.run_options import TIMESTEP_LIST
from ann2snn.snn.memory import activation_sizes, check_fits
from ann2snn.snn.network import SpikingNetwork, snn_correct
from ann2snn.snn.neuron import runs_in_chunks
from ann2snn.text import plural


def stage(enabled: bool, message: str) -> None:
    """A line per stage when progress is wanted but no terminal shows a bar."""
    if enabled and not sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


def progress_bar(iterable, enabled: bool, desc: str, total: int | None = None):
    """A bar on a terminal; elsewhere (a log, CI) one line for the stage instead."""
    if not enabled:
        return iterable
    if not sys.stderr.isatty():
        stage(True, f"{desc}: simulating " + (plural(total, "test batch", "test batches")
                                              if total is not None else "every test batch"))
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True)


def check_timestep_list(timesteps) -> list[int]:
    """The T values of a sweep (any iterable), checked, sorted, each once."""
    if isinstance(timesteps, Iterable) and not isinstance(timesteps, (str, bytes)):
        timesteps = list(timesteps)
    return sorted(set(TIMESTEP_LIST.check("timesteps", timesteps)))


def check_simulation_memory(gm: nn.Module, x: Tensor, steps: int, recipe: Recipe,
                            device, progress: bool = False) -> str:
    """Before any work: refuse a ``T`` whose simulation of this batch cannot fit in memory
    (sizes from one sample through the traced ANN, which has the SNN's shapes)."""
    largest, output = forward_checked(lambda s: activation_sizes(gm, s), x)
    window = SpikingNetwork.window(steps, x.shape[0], runs_in_chunks(recipe.neuron, recipe.permute))
    memory = check_fits(largest, output, steps, x.shape[0], window, device)
    stage(progress and memory.startswith("skipped"), f"memory check {memory}")
    return memory


def ann_correct_of(model, x: Tensor, y: Tensor, index: int, cache: dict | None) -> int:
    """Correct ANN predictions of batch ``index`` (from ``cache`` when another evaluation of
    the same batches already computed them)."""
    if cache is not None and index in cache:
        return cache[index]
    logits = forward_checked(model, x) if index == 0 else model(x)
    check_finite_output(logits, "the ANN")
    correct = int((logits.argmax(-1) == y).sum())
    if cache is not None:
        cache[index] = correct
        cache.setdefault("classes", int(logits.shape[-1]))
    return correct


def count_correct(model, snns: dict, batches: Iterator[Batch], steps: list[int],
                  accounting: Accounting | None = None, ann_cache: dict | None = None
                  ) -> tuple[int, dict[int, int], int, dict[str, float]]:
    """ANN and SNN correct predictions at every ``T`` over ``batches``, and the seconds;
    ``accounting`` sees every batch of the same runs."""
    correct = dict.fromkeys(steps, 0)
    ann_correct = total = 0
    seconds = {"ann": 0.0, "snn": 0.0, "accounting": 0.0}
    for index, (x, y) in enumerate(batches):
        t0 = time.perf_counter()
        ann_correct += ann_correct_of(model, x, y, index, ann_cache)
        t1 = time.perf_counter()
        for xs, ys in accounted_parts(snns, x, y, accounting):
            t2 = time.perf_counter()
            if accounting is not None:
                accounting.begin(xs)
                seconds["accounting"] += time.perf_counter() - t2
            for key, snn in snns.items():
                wanted = steps if key is None else [key]
                for run in [wanted] if snn.uniform_in_time else [[k] for k in wanted]:
                    for k, v in snn_correct(snn, xs, ys, run).items():
                        correct[k] += v
            if accounting is not None:
                accounting.end(int(ys.shape[0]))
        seconds["snn"] += time.perf_counter() - t1
        seconds["ann"] += t1 - t0
        total += int(y.shape[0])
    return ann_correct, correct, total, seconds


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Iterable,
    timesteps: Sequence[int],
    method: str | Recipe | None = None,
    calib: Iterable | None = None,
    *,
    calib_batches: int | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
    dataset: str = "custom",
    model_name: str | None = None,
    processes: Processes | None = None,
    skip_inapplicable: bool = False,
    maxpool: str = "error",
    costs: bool = True,
    ann_cache: dict | None = None,
    snn: SpikingNetwork | None = None,
    **options,
) -> dict:
    """Evaluate ``model`` (ANN) and its conversion by ``method`` (default ``auto``) on ``data``
    (``(x, y)`` batches) at every ``T`` in ``timesteps``; returns a report (:mod:`ann2snn.report`).

    Methods whose neurons do not depend on ``T`` are simulated once, to ``max(T)``; the others
    are run and converted once per ``T`` on the same calibration batches (taken once from
    ``calib``), unless one causal calibration to ``max(T)`` serves every ``T`` (FTBC on an
    ``opi``/``qcfs`` base, docs/methods.md#ftbc). ``skip_inapplicable``: the ``T`` a method
    refuses are listed under ``skipped``. Under ``torchrun`` pass ``processes``
    (:func:`ann2snn.distributed.setup`) and each process's shard of ``data``: rank 0's
    conversion, counts summed. ``costs``: the same runs accounted (spikes, synaptic
    operations, MACs, energy, latency, per layer; :mod:`ann2snn.costs`). ``ann_cache``: a dict
    shared by evaluations of the same batches (:func:`ann2snn.compare`). ``snn``: a network
    converted before, evaluated as it is (``model`` its ANN, :func:`ann2snn.load_ann`).
    """
    procs = processes or Processes()
    steps = check_timestep_list(timesteps)
    check_flags(progress=progress, skip_inapplicable=skip_inapplicable, costs=costs)
    recipe = evaluated_recipe(method, options, snn, steps, calib=calib,
                              calib_batches=calib_batches, maxpool=maxpool)
    device = model_device(check_model(model), device)
    model = model.to(device).eval()
    prep = prepared_ann(model, maxpool, ann_cache)  # once for all T (and methods compared)
    recipe = recipe or method_recipe(method, options, prep)  # auto: by its activations
    batches = iterate_batches(data, "evaluation data", labels=True, device=device)
    first = next(batches)
    memory = check_simulation_memory(prep.gm, first[0], max(steps), recipe, device, progress)
    started = time.perf_counter()
    snns, skipped = _networks(prep, model, recipe, snn, calib, steps, device=device,
                              calib_batches=calib_batches, skip=skip_inapplicable, procs=procs,
                              progress=progress, cache=ann_cache)
    steps, convert_seconds = [t for t in steps if t not in skipped], time.perf_counter() - started
    total_batches = len(data) if hasattr(data, "__len__") else None
    accounting = Accounting(prep, snns, steps, first[0]) if costs else None
    counts, seconds = summed_counts(
        model, snns, progress_bar(chain([first], batches), progress, recipe.name, total_batches),
        steps, accounting, ann_cache, procs)
    return assemble_report(recipe, snns, skipped, steps, counts, accounting,
                           seconds={"convert": convert_seconds, **seconds}, dataset=dataset,
                           model=model_name or type(model).__name__, options=options,
                           memory_check=memory)


def _networks(prep, model, recipe, snn, calib, steps, *, calib_batches, device, skip, procs,
              progress, cache) -> tuple[dict, dict]:
    """The SNN per ``T`` (``None``: one for every ``T``) and the ``T`` skipped with why: the
    given ``snn`` as it is, else the prepared ANN converted by ``recipe``."""
    if snn is not None:
        return {None if snn.info.timesteps is None else steps[0]: snn.to(device)}, {}
    check_applies(prep, model, recipe)  # "does not apply" before any "converting"
    calib = replayed(calib, recipe.seed)
    return convert_for_steps(prep, model, recipe, calib, steps, calib_batches=calib_batches,
                             device=device, skip=skip, procs=procs, log=partial(stage, progress),
                             memo=memo_for(cache, calib, prep))


def summed_counts(model, snns, batches, steps, accounting, ann_cache, procs) -> tuple[list, dict]:
    """``[ANN correct, total, correct per T]`` over every process, and the seconds; the
    accounting, if any, is detached and summed over the processes too."""
    try:
        ann_correct, correct, total, seconds = count_correct(model, snns, batches, steps,
                                                             accounting, ann_cache)
    finally:
        if accounting is not None:
            accounting.close()
    counts = all_sum([ann_correct, total, *correct.values()], procs)
    if accounting is not None:
        accounting.reduce(procs)
    return counts, seconds


def assemble_report(recipe, snns, skipped, steps, counts, accounting, *, seconds, dataset,
                    model, options, memory_check: str = "") -> dict:
    """The report of one evaluation from its counts ``[ANN correct, total, correct per T]``."""
    ann_correct, total, *sums = counts
    rows = [{"T": t, "accuracy": c / total} for t, c in zip(steps, sums)]
    extra = cost_fields(accounting, rows, steps)
    ann_costs = extra.pop("ann_costs", {})
    net = next(iter(snns.values()))
    report = make_report(
        method=recipe.name, dataset=dataset, model=model, ann_accuracy=ann_correct / total,
        snn=rows, seconds=seconds, samples=int(total),
        latency=latency_note(len(net.neurons()), net.two_phase_layers(), net.setup_steps()),
        calibration={str(t if t is not None else "all"): s.info.calibration
                     for t, s in snns.items() if s.info.calibration},
        options=dict(options), memory_check=memory_check,
        **({"silent": {str(t if t is not None else "all"): s.info.silent
                       for t, s in snns.items() if s.info.silent}}
           if any(s.info.silent for s in snns.values()) else {}),
        **({"skipped": {str(t): reason for t, reason in skipped.items()}} if skipped else {}),
        **extra,
    )
    report["ann"].update(ann_costs)
    return report


def cost_fields(accounting: Accounting | None, rows: list[dict], steps: list[int]) -> dict:
    """Merge the costs into the ``snn`` rows; the report's other cost fields."""
    if accounting is None:
        return {}
    fields = accounting.fields(steps)
    for row in rows:
        row.update(fields["rows"][row["T"]])
    return {"ann_costs": fields["ann"], "layers": fields["layers"], "raster": fields["raster"],
            "costs": fields["costs"]}
