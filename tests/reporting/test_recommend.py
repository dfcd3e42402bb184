"""compare's recommendation on a hand-made table: chance rows out, the most accurate, the
cheapest within a point of it, the best within each latency budget."""

from ann2snn.reporting.recommend import at_chance, recommend, recommendation_lines

ROWS = [
    {"method": "rate", "T": 2, "accuracy": 0.12, "energy_uj": 1.0, "energy_ratio": 0.01,
     "latency_steps": 2},
    {"method": "opi", "T": 4, "accuracy": 0.80, "energy_uj": 20.0, "energy_ratio": 0.2,
     "latency_steps": 4},
    {"method": "ftbc", "T": 8, "accuracy": 0.915, "energy_uj": 60.0, "energy_ratio": 0.6,
     "latency_steps": 8},
    {"method": "dcgs", "T": 8, "accuracy": 0.912, "energy_uj": 40.0, "energy_ratio": 0.4,
     "latency_steps": 9},
    {"method": "tpp", "T": 4, "accuracy": 0.92, "energy_uj": 50.0, "energy_ratio": 0.5,
     "latency_steps": 80},
]


def test_the_recommendation_by_hand():
    rec = recommend(ROWS, [2, 4, 8, 16], classes=10)
    assert at_chance(ROWS[0], 10) and not at_chance(ROWS[1], 10)
    assert rec["most_accurate"]["method"] == "tpp"
    assert rec["cheapest_near_best"]["method"] == "dcgs"  # 0.912 ≥ 0.92 − 0.01, least energy
    budgets = {r["budget_steps"]: r["method"] for r in rec["by_latency"]}
    assert budgets == {4: "opi", 8: "ftbc", 16: "ftbc"}  # 2 steps: only the chance row fits
    lines = recommendation_lines(rec)
    assert lines[0].startswith("Recommended: most accurate: tpp at T = 4 (92.00 %")
    assert "within 8 steps: ftbc at T = 8" in "\n".join(lines)


def test_every_row_at_chance_recommends_nothing():
    rec = recommend(ROWS[:1], [2], classes=10)
    assert rec["most_accurate"] is None and recommendation_lines(rec) == [
        "Recommendation: none (every row is at chance)."]
