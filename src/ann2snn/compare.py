"""Which method for my network, at my latency or energy budget? Every preset that applies,
evaluated over the same ``T`` on the same batches, in one table with the Pareto-optimal rows
marked."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence

from torch import nn

from ann2snn.batches import replayed
from ann2snn.errors import Ann2SnnError, MethodError, OptionError
from ann2snn.evaluate import check_timestep_list, evaluate
from ann2snn.methods import get_method, list_methods
from ann2snn.report import versions
from ann2snn.reporting.escape import markdown as md

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
    one (rows without a value for an objective are never optimal). Two or three objectives,
    in O(n log n): rows sorted by the first, a Fenwick tree of the best third value over the
    ranks of the second."""
    if not 2 <= len(objectives) <= 3:
        raise ValueError("pareto() takes two or three objectives")
    points = {}
    for i, row in enumerate(rows):
        values = [row.get(k) for k, _ in objectives]
        if None not in values:
            points[i] = tuple(s * v for v, (_, s) in zip(values, objectives)) + (0,) * (
                3 - len(objectives))
    marks = [False] * len(rows)
    ranks = {v: r for r, v in enumerate(sorted({p[1] for p in points.values()}, reverse=True))}
    tree = _PrefixMax(len(ranks))
    order = sorted(points, key=lambda i: points[i], reverse=True)
    start = 0
    while start < len(order):  # a group of rows equal on the first objective
        end = start
        while end < len(order) and points[order[end]][0] == points[order[start]][0]:
            end += 1
        group = order[start:end]
        inside = _dominated_within(group, points)
        for i in group:
            _, second, third = points[i]
            marks[i] = not (inside[i] or tree.query(ranks[second]) >= third)
        for i in group:
            tree.update(ranks[points[i][1]], points[i][2])
        start = end
    return marks


class _PrefixMax:
    """A Fenwick tree: the largest value stored at ranks 0..r."""

    def __init__(self, size: int):
        self.tree = [-math.inf] * (size + 1)

    def update(self, rank: int, value: float) -> None:
        rank += 1
        while rank < len(self.tree):
            self.tree[rank] = max(self.tree[rank], value)
            rank += rank & -rank

    def query(self, rank: int) -> float:
        best, rank = -math.inf, rank + 1
        while rank > 0:
            best, rank = max(best, self.tree[rank]), rank - (rank & -rank)
        return best


def _dominated_within(group: list[int], points: dict) -> dict[int, bool]:
    """Rows equal on the first objective: dominated by one of them on the other two."""
    out, best_above = {}, -math.inf  # the best third value among rows better on the second
    ordered = sorted(group, key=lambda i: points[i][1:], reverse=True)
    start = 0
    while start < len(ordered):
        end = start
        while end < len(ordered) and points[ordered[end]][1] == points[ordered[start]][1]:
            end += 1
        top = points[ordered[start]][2]  # the best third value among those equal on the second
        for i in ordered[start:end]:
            out[i] = best_above >= points[i][2] or top > points[i][2]
        best_above = max(best_above, top)
        start = end
    return out


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
    methods = check_method_list(methods)
    method_options = check_method_options(method_options)
    calib = replayed(calib)
    ann_cache: dict = {}
    reports, skipped = [], {}
    started = time.perf_counter()
    for method in methods:
        log(f"{method}: evaluating at T = {', '.join(map(str, steps))}")
        try:
            report = evaluate(model, data, steps, method, calib, skip_inapplicable=True,
                              dataset=dataset, model_name=model_name, ann_cache=ann_cache,
                              **shared, **method_options.get(method, {}))
        except OptionError:
            raise
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


def check_method_list(methods) -> list[str]:
    """Registered method names: None for all, a name for one, else a non-empty list."""
    if methods is None:
        return list_methods()
    names = [methods] if isinstance(methods, str) else methods
    if not isinstance(names, (list, tuple)) or not names:
        raise Ann2SnnError(f"methods must be a method name or a non-empty list of them (None: "
                           f"every one), got {methods!r}")
    unknown = [n for n in names if not isinstance(n, str) or n not in list_methods()]
    if unknown:
        raise Ann2SnnError(f"methods: unknown {', '.join(map(repr, unknown))}; registered: "
                           f"{', '.join(list_methods())}")
    if len(set(names)) != len(names):
        raise Ann2SnnError(f"methods: a name is given twice in {list(names)}")
    return list(names)


def check_method_options(options) -> dict[str, dict]:
    """``{method: {option: value}}`` for registered methods, each option checked by the
    method's recipe before any work (a typo is an error, not "does not apply")."""
    if options is None:
        return {}
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise Ann2SnnError(f"method_options must map method names to option dicts, e.g. "
                           f"{{'opi': {{'per_channel': True}}}}, got {options!r:.80}")
    for name, given in options.items():
        if name not in list_methods():  # a registered method not compared: checked, unused
            raise Ann2SnnError(f"method_options names {name!r}, which is not a registered "
                               f"method ({', '.join(list_methods())})")
        get_method(name, **given)
    return options


def format_compare_table(result: dict) -> str:
    """The markdown table of a :func:`compare` result, Pareto-optimal rows marked ``*``."""
    rows = rows_of(result["reports"])
    marks = pareto(rows)
    ann = {r["model"]: r["ann"] for r in result["reports"]}
    lines = ["| | method | T | accuracy % | spikes/neuron | energy µJ | energy / ANN | latency steps |",
             "|---|---|---|---|---|---|---|---|"]
    for row, mark in zip(rows, marks):
        cells = [("*" if mark else ""), md(row["method"]), str(row["T"]), f"{100 * row['accuracy']:.2f}",
                 _num(row["spikes_per_neuron"], ".3f"), _num(row["energy_uj"], ".4g"),
                 _num(row["energy_ratio"], ".3f"), _num(row["latency_steps"], "d")]
        lines.append("| " + " | ".join(cells) + " |")
    for name, a in ann.items():
        lines.append(f"\nANN ({md(name)}): {100 * a['accuracy']:.2f} %, {_num(a.get('energy_uj'), '.4g')} "
                     f"µJ per inference. `*`: Pareto-optimal in accuracy, energy and latency.")
    for method, reason in result.get("skipped", {}).items():
        lines.append(f"- {md(method)} does not apply: {md(reason)}")
    return "\n".join(lines)


def _num(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)

