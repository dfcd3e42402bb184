"""Which method, for my budget? The recommendation ``compare`` prints under its table
(docs/methods.md#recommendation): pure functions over the table's rows.

- rows at chance (accuracy ≤ 1.5 / classes) are never recommended, nor Pareto-optimal;
- ``most_accurate``: the most accurate row (ties: less energy, then lower latency);
- ``cheapest_near_best``: the row of least energy within ``margin`` (1 point) of it;
- ``by_latency``: for each latency budget (each T compared), the most accurate row that
  completes its prediction within it (``latency_steps ≤ budget``).
"""

from __future__ import annotations

#: a row this many times chance (1/classes) or less is "at chance"
CHANCE_FACTOR = 1.5
#: how far below the best accuracy the cheapest recommended row may be
MARGIN = 0.01


def at_chance(row: dict, classes: int | None) -> bool:
    return classes is not None and row["accuracy"] <= CHANCE_FACTOR / classes


def _key(row: dict) -> tuple:
    energy = row.get("energy_uj")
    return (-row["accuracy"], float("inf") if energy is None else energy,
            row.get("latency_steps") or 0)


def _short(row: dict) -> dict:
    return {k: row.get(k) for k in ("method", "T", "accuracy", "energy_uj", "energy_ratio",
                                    "latency_steps")}


def recommend(rows: list[dict], budgets: list[int], classes: int | None) -> dict:
    """The recommendation over ``rows`` (see the module docstring)."""
    live = [r for r in rows if not at_chance(r, classes)]
    if not live:
        return {"most_accurate": None, "cheapest_near_best": None, "by_latency": [],
                "note": "every row is at chance"}
    best = min(live, key=_key)
    near = [r for r in live if r["accuracy"] >= best["accuracy"] - MARGIN
            and r.get("energy_uj") is not None]
    cheapest = min(near, key=lambda r: (r["energy_uj"], _key(r))) if near else None
    by_latency = []
    for budget in sorted(set(budgets)):
        fits = [r for r in live if (r.get("latency_steps") or 0) <= budget]
        if fits:
            by_latency.append({"budget_steps": budget, **_short(min(fits, key=_key))})
    return {"most_accurate": _short(best),
            "cheapest_near_best": None if cheapest is None else _short(cheapest),
            "by_latency": by_latency}


def recommendation_lines(rec: dict, escape=str) -> list[str]:
    """The recommendation as the lines under the table (``escape``: how a method name is
    written, e.g. escaped for markdown)."""
    if rec.get("most_accurate") is None:
        return ["Recommendation: none (every row is at chance)."]

    def cell(r):
        energy = "" if r["energy_ratio"] is None else f", {r['energy_ratio']:.3f} of the ANN's energy"
        return (f"{escape(r['method'])} at T = {r['T']} ({100 * r['accuracy']:.2f} %{energy}, "
                f"latency {r['latency_steps']})")
    lines = [f"Recommended: most accurate: {cell(rec['most_accurate'])}"]
    if rec.get("cheapest_near_best"):
        lines.append(f"- cheapest within {100 * MARGIN:.0f} point of it: "
                     f"{cell(rec['cheapest_near_best'])}")
    for r in rec["by_latency"]:
        lines.append(f"- within {r['budget_steps']} steps: {cell(r)}")
    return lines
