"""``ann2snn report`` on hostile and careless JSON (issue 17): every file either draws, or is
refused in one line before anything is written; names never forge markdown, HTML or
spreadsheet formulas."""

import csv
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings

from ann2snn.cli import main
from ann2snn.reporting import load
from ann2snn.reporting.summary import FILES
from ann2snn.reporting.table import OBJECTIVES, pareto

from hostile import reports, valid_report


def _report_cli(tmp_path, content, capsys) -> tuple[int, str]:
    """Exit code and stderr of ``ann2snn report`` on a file holding ``content`` (JSON text or
    an object); asserts nothing half-written is left."""
    path = tmp_path / "in.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    out = tmp_path / "deep" / "out"
    code = main(["report", str(path), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    if code == 0:
        assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    else:
        assert code == 2 and err.startswith("ann2snn: error: ") and "\n" not in err, err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]  # no empty folder
    return code, err


def _with(change) -> dict:
    report = valid_report()
    change(report)
    return report


@pytest.mark.parametrize("content, message", [
    ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
    ('{"snn": [{"T": 1' + "0" * 5000 + "}]}", "is not a JSON report"),
    (_with(lambda r: r["snn"][0].update(T=10**300)), "snn[0].T: expected an integer"),
    (_with(lambda r: r["snn"][0].update(latency_steps=2.5)), "snn[0].latency_steps"),
    (_with(lambda r: r["snn"][0].update(energy_ratio="0.1")), "snn[0].energy_ratio"),
    (_with(lambda r: r["layers"].update(abc=[])), "key 'abc' is not the T of an snn row"),
    (_with(lambda r: r["layers"]["1"][0].pop("firing_rate")), "layers[1][0].firing_rate"),
    (_with(lambda r: r.update(raster=[1, 2])), "raster: expected a dict"),
    (_with(lambda r: r["snn"][0].update(accuracy=float("nan"))), "snn[0].accuracy"),
    (_with(lambda r: r["snn"][0].update(accuracy=1.5)), "expected a number in [0.0, 1.0]"),
    (_with(lambda r: r["snn"][0].update(T=0)), "snn[0].T"),
    (_with(lambda r: r["snn"][1].update(energy_uj=float("inf"))), "snn[1].energy_uj"),
    (_with(lambda r: r["ann"].update(energy_uj=-1)), "ann.energy_uj"),
    (_with(lambda r: r["snn"].append(dict(r["snn"][0]))), "the same T appears twice"),
])
def test_each_hostile_field_is_one_line_and_writes_nothing(tmp_path, capsys, content, message):
    code, err = _report_cli(tmp_path, content, capsys)
    assert code == 2 and message in err, err


def test_an_oversized_report_is_refused_before_it_is_parsed(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    code, err = _report_cli(tmp_path, valid_report(steps=tuple(range(1, 30))), capsys)
    assert code == 2 and "MiB ann2snn reads for it" in err


def test_names_cannot_forge_rows_html_or_formulas(tmp_path, capsys):
    report = valid_report(method="x\n| forged | 100 |", model="=HYPERLINK(\"http://e\")",
                          layers=("<script>alert(1)</script>", "$\\frac{$"))
    assert _report_cli(tmp_path, report, capsys)[0] == 0
    out = tmp_path / "deep" / "out"
    summary = (out / "summary.md").read_text()
    assert "<script>" not in summary and "&lt;script&gt;" in summary
    assert not any(line.startswith("| forged") for line in summary.splitlines())
    cells = [cell for row in csv.reader((out / "rows.csv").open()) for cell in row]
    assert "'=HYPERLINK(\"http://e\")" in cells and not any(c.startswith("=") for c in cells)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(report=reports())
def test_report_draws_or_refuses_any_report_in_one_line(tmp_path_factory, capsys, report):
    folder = tmp_path_factory.mktemp("fuzz")
    _report_cli(folder, report, capsys)


def _dominated(a, b) -> bool:
    return all(y >= x for x, y in zip(a, b)) and any(y > x for x, y in zip(a, b))


@pytest.mark.parametrize("objectives", [OBJECTIVES, OBJECTIVES[:2]])
def test_pareto_equals_the_quadratic_definition(objectives):
    rng = random.Random(0)
    for _ in range(400):
        rows = [{k: None if rng.random() < 0.1 else rng.randint(0, 3) for k, _ in objectives}
                for _ in range(rng.randint(0, 15))]
        points = [None if None in (v := [s * r[k] if r[k] is not None else None
                                         for k, s in objectives]) else v for r in rows]
        expected = [p is not None and not any(q is not None and _dominated(p, q) for q in points)
                    for p in points]
        assert pareto(rows, objectives) == expected


def test_the_reports_evaluate_and_compare_write_pass_the_schema():
    """One schema: what ``report`` accepts is what the library writes."""
    import ann2snn
    from ann2snn.report import check_report

    from conftest import labelled_batches

    model, data = labelled_batches(48)
    check_report(json.loads(json.dumps(ann2snn.evaluate(model, data[:1], [1, 2], "tpp", data[1:]))))
    result = ann2snn.compare(model, data[:1], [1, 3], data[1:], methods=["opi", "rts"])
    for report in json.loads(json.dumps(result))["reports"]:
        check_report(report)
