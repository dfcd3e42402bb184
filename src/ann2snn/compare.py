"""Which method for my network, at my latency or energy budget? Every preset that applies,
evaluated over the same ``T`` on the same batches, in one table with the Pareto-optimal rows
marked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from torch import nn

from ann2snn.batches import replayed
from ann2snn.errors import MethodError
from ann2snn.evaluate import check_timestep_list, evaluate
from ann2snn.methods import list_methods
from ann2snn.report import versions

#: what a row is judged on: accuracy up, energy and latency down
OBJECTIVES = (("accuracy", 1), ("energy_uj", -1), ("latency_steps", -1))
FORMAT = "ann2snn.compare/1"


def rows_of(reports: list[dict]) -> list[dict]:
    """One row per (method, T) of ``reports``: what the table and the figures show."""
    rows = []
    for r in reports:
        options = ", ".join(f"{k}={v}" for k, v in r.get("options", {}).items())
        label = f"{r['method']} ({options})" if options else r["method"]
        for s in r["snn"]:
            rows.append({"method": label, "model": r["model"], "T": s["T"],
                         **{k: s.get(k) for k in ("accuracy", "spikes_per_neuron", "energy_uj",
                                                  "latency_steps", "sops", "energy_ratio")}})
    return rows


def pareto(rows: list[dict], objectives=OBJECTIVES) -> list[bool]:
    """True for each row that no other row matches or beats on every objective and beats on
    one (rows without a value for an objective are never optimal)."""
    def value(row, key, sign):
        return None if row.get(key) is None else sign * row[key]

    marks = []
    for row in rows:
        mine = [value(row, k, s) for k, s in objectives]
        if None in mine:
            marks.append(False)
            continue
        dominated = False
        for other in rows:
            theirs = [value(other, k, s) for k, s in objectives]
            if None not in theirs and all(b >= a for a, b in zip(mine, theirs)) and any(
                    b > a for a, b in zip(mine, theirs)):
                dominated = True
                break
        marks.append(not dominated)
    return marks


def compare(model: nn.Module, data: Iterable, timesteps: Sequence[int], calib: Iterable | None,
            *, methods: Sequence[str] | None = None, log: Callable[[str], None] = lambda m: None,
            dataset: str = "custom", model_name: str | None = None,
            method_options: dict[str, dict] | None = None, **shared) -> dict:
    """Evaluate every method in ``methods`` (default: every registered preset) at every T.

    The calibration batches are taken once for all (:class:`~ann2snn.batches.ReplayBatches`)
    and the ANN's predictions are computed once per test batch; ``shared`` keyword arguments
    (``calib_batches``, ``device``, ``progress``, method options, ...) go to every
    :func:`~ann2snn.evaluate.evaluate`; ``method_options[name]`` go to that method only. A
    method that does not apply to the network (or to
    the options given) is listed under ``skipped`` with the reason.
    """
    steps = check_timestep_list(timesteps)
    calib = replayed(calib)
    ann_cache: dict = {}
    reports, skipped = [], {}
    started = time.perf_counter()
    for method in methods or list_methods():
        log(f"{method}: evaluating at T = {', '.join(map(str, steps))}")
        try:
            report = evaluate(model, data, steps, method, calib, skip_inapplicable=True,
                              dataset=dataset, model_name=model_name, ann_cache=ann_cache,
                              **shared, **(method_options or {}).get(method, {}))
        except MethodError as exc:
            skipped[method] = str(exc)
            log(f"{method}: does not apply ({str(exc).split(';')[0]})")
            continue
        reports.append(report)
    if not reports:
        raise MethodError(f"no method applies to this network: {skipped}")
    rows = rows_of(reports)
    marks = pareto(rows)
    return {"format": FORMAT, "dataset": dataset, "model": model_name or type(model).__name__,
            "timesteps": steps, "reports": reports, "skipped": skipped,
            "pareto": [[r["method"], r["T"]] for r, m in zip(rows, marks) if m],
            "seconds": round(time.perf_counter() - started, 3), "versions": versions()}


def format_compare_table(result: dict) -> str:
    """The markdown table of a :func:`compare` result, Pareto-optimal rows marked ``*``."""
    rows = rows_of(result["reports"])
    marks = pareto(rows)
    ann = {r["model"]: r["ann"] for r in result["reports"]}
    lines = ["| | method | T | accuracy % | spikes/neuron | energy µJ | energy / ANN | latency steps |",
             "|---|---|---|---|---|---|---|---|"]
    for row, mark in zip(rows, marks):
        cells = [("*" if mark else ""), row["method"], str(row["T"]), f"{100 * row['accuracy']:.2f}",
                 _num(row["spikes_per_neuron"], ".3f"), _num(row["energy_uj"], ".4g"),
                 _num(row["energy_ratio"], ".3f"), _num(row["latency_steps"], "d")]
        lines.append("| " + " | ".join(cells) + " |")
    for name, a in ann.items():
        lines.append(f"\nANN ({name}): {100 * a['accuracy']:.2f} %, {_num(a.get('energy_uj'), '.4g')} "
                     f"µJ per inference. `*`: Pareto-optimal in accuracy, energy and latency.")
    for method, reason in result.get("skipped", {}).items():
        lines.append(f"- {method} does not apply: {reason}")
    return "\n".join(lines)


def _num(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)

