"""``ann2snn report``: figures, tables and a summary; old or foreign files refused whole."""

import json

import pytest

import ann2snn
from ann2snn import Ann2SnnError
from ann2snn.cli import main
from ann2snn.reporting.summary import FILES, write_report

from conftest import labelled_batches


@pytest.fixture(scope="module")
def report_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    model, data = labelled_batches(48)
    paths = []
    for method in ("robust", "opi"):
        report = ann2snn.evaluate(model, data[:1], [1, 2, 4], method, data[1:])
        path = folder / f"{method}.json"
        path.write_text(json.dumps(report))
        paths.append(path)
    return paths


def test_report_writes_every_file(report_files, tmp_path):
    out = tmp_path / "out"
    written = write_report(report_files, out, method="opi", steps=2)
    assert [p.name for p in written] == list(FILES)
    for path in written:
        assert path.stat().st_size > 0
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = (out / "rows.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 2 * 3 and rows[0].startswith("method,model,T,accuracy")
    summary = (out / "summary.md").read_text()
    assert "Per layer: TinyResNet, opi \\[opi\\], T = 2" in summary and "memory traffic is ignored" in summary
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


@pytest.mark.parametrize("content, message", [
    ({"method": "robust", "model": "m", "ann": {"accuracy": 0.9},
      "snn": [{"T": 4, "accuracy": 0.5}]}, "before costs were accounted"),
    ({"hello": 1}, "is not an ann2snn report"),
    ("not json", "is not a JSON report"),
])
def test_old_or_foreign_reports_are_refused_before_anything_is_written(tmp_path, content, message):
    path = tmp_path / "r.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(Ann2SnnError, match=message):
        write_report([path], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_report_bad_choices_are_one_line(report_files, tmp_path, capsys):
    assert main(["report", *map(str, report_files), "--out", str(tmp_path / "o"),
                 "--layer", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--layer nope: recorded layers are" in err[0]
    assert not (tmp_path / "o").exists()


def test_merged_files_label_their_source(report_files, tmp_path):
    """Two files: every row and legend entry says which file it came from."""
    from ann2snn.reporting.load import read_reports
    from ann2snn.reporting.table import rows_of

    reports = read_reports(report_files)
    assert [r["source"] for r in reports] == ["robust", "opi"]
    assert {r["method"] for r in rows_of(reports)} == {"robust [robust]", "opi [opi]"}
    assert "source" not in read_reports(report_files[:1])[0]  # one file: nothing to say
    out = tmp_path / "out"
    write_report(report_files, out)
    assert "| robust [robust] |" in (out / "summary.md").read_text().replace("\\[", "[").replace(
        "\\]", "]")
    layer_methods = {line.split(",")[0] for line in (out / "layers.csv").read_text().splitlines()[1:]}
    assert layer_methods == {"robust [robust]", "opi [opi]"}
    assert (out / "accuracy_vs_latency.png").stat().st_size > 0
