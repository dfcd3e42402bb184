"""``compare``: every applicable method on the same batches, Pareto rows marked."""

import json

import torch

import ann2snn
from ann2snn.cli import main
from ann2snn.compare import compare
from ann2snn.reporting.table import format_compare_table, pareto

from conftest import labelled_batches


def test_pareto_marks_rows_nothing_beats():
    rows = [{"accuracy": 0.9, "energy_uj": 2.0, "latency_steps": 4},   # optimal
            {"accuracy": 0.8, "energy_uj": 1.0, "latency_steps": 4},   # optimal (cheaper)
            {"accuracy": 0.8, "energy_uj": 2.0, "latency_steps": 4},   # beaten by both
            {"accuracy": 0.9, "energy_uj": 2.0, "latency_steps": 8},   # beaten by the first
            {"accuracy": 0.5, "energy_uj": None, "latency_steps": 1}]  # no energy: never
    assert pareto(rows) == [True, True, False, False, False]


def test_compare_runs_what_applies_on_shared_batches():
    model, data = labelled_batches(64)
    result = compare(model, data[:2], [1, 2], data[2:], methods=["robust", "snnc-light", "qcfs"],
                     calib_batches=2)
    assert [r["method"] for r in result["reports"]] == ["robust", "snnc-light"]
    assert "needs qcfs activations" in result["skipped"]["qcfs"]
    assert len({r["ann"]["accuracy"] for r in result["reports"]}) == 1
    alone = ann2snn.evaluate(model, data[:2], [1, 2], "snnc-light", data[2:], calib_batches=2)
    assert alone["snn"] == result["reports"][1]["snn"]  # the same calibration batches
    table = format_compare_table(result)
    assert table.count("\n| ") == 4 and "qcfs does not apply" in table
    rows = [(r["method"], s["T"], s["accuracy"], s["energy_uj"], s["latency_steps"])
            for r in result["reports"] for s in r["snn"]]
    chance = 1.5 / result["classes"]  # rows at chance are never optimal
    live = [r for r in rows if r[2] > chance]
    assert live, "the test network must beat chance somewhere"
    best = max(live, key=lambda r: (r[2], -r[3], -r[4]))  # the most accurate is never beaten
    assert result["pareto"] and [best[0], best[1]] in result["pareto"]
    for method, t, acc, energy, latency in rows:  # a marked row: no other row dominates it
        beaten = acc <= chance or any(
            a >= acc and e <= energy and la <= latency and (a, e, la) != (acc, energy, latency)
            for _, _, a, e, la in live)
        assert ([method, t] in result["pareto"]) == (not beaten)
    assert result["recommendation"]["most_accurate"]["method"] == best[0]


def test_cli_compare_writes_json_and_table(tmp_path, capsys):
    torch.manual_seed(0)
    weights = tmp_path / "w.pt"
    torch.save(ann2snn.create_model("small_cnn").state_dict(), weights)
    out = tmp_path / "c.json"
    assert main(["compare", "--model", "small_cnn", "--weights", str(weights), "--dataset",
                 "digits", "--normalize", "digits", "--timesteps", "1,2", "--limit", "40",
                 "--methods", "opi,rate,errorfree", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [r["method"] for r in result["reports"]] == ["opi", "rate"]
    assert "errorfree" in result["skipped"]
    out = capsys.readouterr().out  # an untrained network: every row at chance, none marked
    assert "| * |" not in out and "Recommendation: none (every row is at chance)." in out
    assert "Seconds per method: opi" in out
    assert main(["compare", "--methods", "rate,nope", "--model", "small_cnn"]) == 2
    assert "--methods: unknown nope" in capsys.readouterr().err


def test_compare_says_does_not_apply_before_any_work(tmp_path, capsys):
    torch.manual_seed(0)
    weights = tmp_path / "w.pt"
    torch.save(ann2snn.create_model("small_cnn").state_dict(), weights)
    assert main(["compare", "--model", "small_cnn", "--weights", str(weights), "--dataset",
                 "digits", "--normalize", "digits", "--timesteps", "1,2", "--limit", "20",
                 "--methods", "errorfree,opi"]) == 0
    err = capsys.readouterr().err
    assert "errorfree: does not apply" in err and "converting with errorfree" not in err
    assert "converting with opi" in err and "opi: evaluated at T = 1, 2 in" in err
    assert "opi: simulating 1 test batch\n" in err  # says what is counted, in the singular
