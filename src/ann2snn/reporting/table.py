"""The rows of reports, which rows no other beats (the Pareto front), and their markdown
table: pure functions over report dicts, shared by ``compare`` and ``report``."""

from __future__ import annotations

import math

from ann2snn.reporting.escape import markdown as md
from ann2snn.reporting.recommend import recommendation_lines

#: what a row is judged on: accuracy up, energy and latency down
OBJECTIVES = (("accuracy", 1), ("energy_uj", -1), ("latency_steps", -1))


def report_label(r: dict) -> str:
    """``method (options) [source file]``: one name per report, even when files are merged."""
    options = ", ".join(f"{k}={v}" for k, v in r.get("options", {}).items())
    label = f"{r['method']} ({options})" if options else r["method"]
    return label + f" [{r['source']}]" if r.get("source") else label


def rows_of(reports: list[dict]) -> list[dict]:
    """One row per (method, T) of ``reports``: what the table and the figures show."""
    rows = []
    for r in reports:
        label = report_label(r)
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


def format_compare_table(result: dict, marks: list[bool] | None = None) -> str:
    """The markdown table of a :func:`compare` result, Pareto-optimal rows marked ``*``
    (``marks``: the Pareto flags of its rows, when the caller has them; else the result's
    own ``pareto`` list, computed once by :func:`compare`)."""
    rows = rows_of(result["reports"])
    if marks is None:
        listed = result.get("pareto")
        marks = pareto(rows) if listed is None else [[r["method"], r["T"]] in listed for r in rows]
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
    if result.get("recommendation"):
        lines += ["", *recommendation_lines(result["recommendation"], md)]
    seconds = [f"{md(r['method'])} {sum(r.get('seconds', {}).values()):.0f} s"
               for r in result["reports"]]
    lines.append(f"\nSeconds per method: {', '.join(seconds)}.")
    return "\n".join(lines)


def _num(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)
