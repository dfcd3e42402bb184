"""A new user's first hour on the command line: messages in CLI terms, defaults read from the
files a command was given, one line per kind of NIR refusal, plural forms, the model list."""

import json
import os

import pytest

import ann2snn
from ann2snn.cli import main
from ann2snn.cli.terms import in_cli_terms
from ann2snn.text import plural


def _err(capsys) -> str:
    return capsys.readouterr().err.strip()


def test_api_spellings_become_flags():
    assert in_cli_terms("method 'tpp' depends on T: pass timesteps=T") == \
        "method 'tpp' depends on T: pass --timesteps T"
    assert in_cli_terms("use threshold='percentile' and per_channel=True, v0=0.5") == \
        "use --threshold 'percentile' and --per-channel, --method-option v0=0.5"
    assert "--dataset and --data" in in_cli_terms("pass calib= (a DataLoader of training "
                                                  "batches, never test data)")
    assert in_cli_terms("a == b, x.timesteps=3") == "a == b, x.timesteps=3"


def test_a_method_that_needs_t_asks_for_the_flag(tmp_path, capsys):
    assert main(["convert", "--model", "small_cnn", "--dataset", "digits", "--normalize",
                 "none", "--method", "snnc-light", "--out", str(tmp_path / "s.safetensors")]) == 2
    err = _err(capsys)
    assert "pass --timesteps T" in err and "timesteps=T" not in err


def test_plurals():
    assert plural(1, "step") == "1 step" and plural(4, "step") == "4 steps"
    assert plural(1, "batch", "batches") == "1 batch" and plural(2, "batch", "batches") == "2 batches"


@pytest.fixture
def checkpoint(tmp_path, capsys):
    out = tmp_path / "ckpt"
    assert main(["train", "--model", "small_cnn", "--dataset", "digits", "--epochs", "1",
                 "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    return out


def test_a_saved_network_is_evaluated_at_its_own_t(tmp_path, checkpoint, capsys):
    path = tmp_path / "snnc.safetensors"
    assert main(["convert", "--checkpoint", str(checkpoint), "--method", "snnc-light",
                 "--timesteps", "4", "--out", str(path)]) == 0
    report = tmp_path / "r.json"
    assert main(["evaluate", "--snn", str(path), "--dataset", "digits", "--json",
                 str(report)]) == 0, _err(capsys)
    assert [r["T"] for r in json.loads(report.read_text())["snn"]] == [4]


def test_export_takes_the_input_shape_from_the_record(tmp_path, checkpoint, capsys):
    pytest.importorskip("nir")
    path = tmp_path / "qcfs.safetensors"
    assert main(["convert", "--checkpoint", str(checkpoint), "--method", "qcfs", "--out",
                 str(path)]) == 0
    assert ann2snn.load_snn(path).info.input_shape == (1, 8, 8)
    assert main(["export", str(path), "--out", str(tmp_path / "n.nir")]) == 0, _err(capsys)


def test_a_nir_refusal_is_one_line_per_kind(tmp_path, checkpoint, capsys):
    pytest.importorskip("nir")
    path = tmp_path / "tpp.safetensors"
    assert main(["convert", "--checkpoint", str(checkpoint), "--method", "tpp", "--timesteps",
                 "4", "--out", str(path)]) == 0
    capsys.readouterr()
    assert main(["export", str(path), "--out", str(tmp_path / "n.nir")]) == 2
    err = _err(capsys)
    assert err.count("have no NIR form") == 1 and "3 layers:" in err


def test_the_checkpoint_records_its_data_path_whole(tmp_path, synthetic_cifar, capsys,
                                                    monkeypatch):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic_cifar / "cifar-10-batches-py", data / "cifar-10-batches-py")
    monkeypatch.chdir(data)
    out = tmp_path / "c"
    assert main(["train", "--model", "small_cnn", "--dataset", "cifar10", "--data", ".",
                 "--epochs", "1", "--batch-size", "20", "--out", str(out),
                 "--no-progress"]) == 0
    meta = json.loads((out / "model.json").read_text())
    assert meta["data"] == str(data) and os.path.isabs(meta["data"])
    monkeypatch.chdir(tmp_path)
    data.rename(tmp_path / "moved")
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(out), "--timesteps", "1"]) == 2
    assert "recorded in the checkpoint" in _err(capsys)


def test_the_registered_models_are_listed(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("resnet20") and "3x32x32" in line for line in lines)
    assert any(line.startswith("small_cnn") and "1x8x8" in line for line in lines)
