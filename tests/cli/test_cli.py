import json
import subprocess
import sys

import pytest
import torch

from ann2snn.cli import build_parser, main
from ann2snn.models import create_model


@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["evaluate"], ["compare"],
                                     ["report"], ["convert"], ["export"], ["methods"],
                                     ["models"]])
def test_help_on_every_command(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: ann2snn" in capsys.readouterr().out


def test_every_subcommand_is_tested_for_help():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == {"demo", "train", "evaluate", "compare", "report", "convert",
                                "export", "methods", "models"}


def test_evaluate_writes_the_report(tmp_path):
    torch.manual_seed(0)
    weights = tmp_path / "w.pt"
    torch.save(create_model("small_cnn").state_dict(), weights)
    out = tmp_path / "r.json"
    code = main(["evaluate", "--model", "small_cnn", "--weights", str(weights), "--dataset",
                 "digits", "--normalize", "digits", "--method", "opi", "--timesteps", "1,4",
                 "--limit", "50", "--calib-batches", "2", "--json", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["method"] == "opi" and report["dataset"] == "digits"
    assert [r["T"] for r in report["snn"]] == [1, 4] and report["samples"] == 50
    from ann2snn.data import NORMALIZATIONS, evenly_spaced, load_dataset
    from ann2snn.models import load_weights, with_normalization

    model = with_normalization(load_weights(create_model("small_cnn"), weights),
                               NORMALIZATIONS["digits"]).eval()
    test = evenly_spaced(load_dataset("digits", split="test"), 50)
    x = torch.stack([test[i][0] for i in range(50)])
    y = torch.tensor([test[i][1] for i in range(50)])
    assert report["ann"]["accuracy"] == int((model(x).argmax(1) == y).sum()) / 50


@pytest.mark.parametrize("args, message", [
    (["--dataset", "cifar10", "--data", "/nonexistent", "--normalize", "none"], "does not exist"),
    (["--dataset", "digits", "--weights", "/nonexistent.th", "--normalize", "none"], "does not exist"),
    (["--dataset", "digits"], "normalisation"),
    (["--dataset", "nope", "--normalize", "none"], "invalid choice: 'nope'"),
    (["--dataset", "digits", "--normalize", "none", "--method", "nope"], "invalid choice: 'nope'"),
    (["--dataset", "imagefolder", "--data", "/", "--normalize", "none"], "expected an image-folder"),
    (["--dataset", "cifar10-dvs", "--data", "/nonexistent", "--normalize", "none"], "is not a folder"),
    (["--dataset", "mnist", "--data", "/", "--normalize", "none"], "-images-idx3-ubyte"),
    (["--checkpoint", "/", "--dataset", "digits"], "not an ann2snn checkpoint"),
])
def test_bad_input_is_one_line_on_stderr(args, message):
    proc = subprocess.run([sys.executable, "-m", "ann2snn", "evaluate", "--model", "resnet20",
                           *args], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_timesteps_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--model", "small_cnn", "--dataset", "digits", "--timesteps", "0,2"])
    assert "positive" in capsys.readouterr().err


def test_a_saved_network_evaluates_alone_to_the_same_report(tmp_path):
    """convert --out, then evaluate --snn FILE with only the dataset: ANN and SNN as the
    evaluation that converts (accuracies, spikes, energy), with no model or weights given."""
    torch.manual_seed(0)
    weights = tmp_path / "w.pt"
    torch.save(create_model("small_cnn").state_dict(), weights)
    network = ["--model", "small_cnn", "--weights", str(weights), "--normalize", "digits",
               "--dataset", "digits", "--method", "snnc-light", "--calib-batches", "2"]
    snn = tmp_path / "s.safetensors"
    assert main(["convert", *network, "--timesteps", "4", "--out", str(snn)]) == 0
    direct, saved = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["evaluate", *network, "--timesteps", "4", "--limit", "60",
                 "--json", str(direct)]) == 0
    assert main(["evaluate", "--snn", str(snn), "--dataset", "digits", "--timesteps", "4",
                 "--limit", "60", "--json", str(saved)]) == 0
    a, b = (json.loads(p.read_text()) for p in (direct, saved))
    assert b["method"] == "snnc-light" and b["model"] == "small_cnn"
    assert b["ann"]["accuracy"] == a["ann"]["accuracy"]
    for key in ("accuracy", "spikes_per_neuron", "energy_uj"):
        assert b["snn"][0][key] == a["snn"][0][key], key
