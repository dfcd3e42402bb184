"""A file never names code to run: hostile checkpoints and spiking-network files (issue 8)."""

import json
import os

import pytest
import torch
from safetensors.torch import load_file, save_file

import ann2snn
from ann2snn import MethodError, WeightsError
from ann2snn.cli import main
from ann2snn.models.checkpoint import load_checkpoint
from ann2snn.models.loading import load_network


@pytest.fixture
def checkpoint(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--model", "small_cnn", "--dataset", "digits", "--epochs", "1",
                 "--out", str(out), "--no-progress", "--lr", "0.05"]) == 0
    return out


def _edit(out, **changes):
    meta = json.loads((out / "model.json").read_text())
    meta.update(changes)
    (out / "model.json").write_text(json.dumps(meta))


def test_a_hostile_model_json_runs_nothing(checkpoint, tmp_path, capsys, monkeypatch):
    called = []
    monkeypatch.setattr(os, "system", lambda *a, **k: called.append(a) or 0)
    marker = tmp_path / "pwned"
    _edit(checkpoint, model="os:system", model_options={"command": f"touch {marker}"})
    with pytest.raises(WeightsError, match="never imports a name read from a file"):
        load_checkpoint(checkpoint)
    assert main(["evaluate", "--checkpoint", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "pass its name yourself with --model" in err and "Traceback" not in err
    assert "os:system" not in err  # a refusal never suggests typing a name read from a file
    assert not called and not marker.exists()


def test_a_factory_checkpoint_needs_the_user_to_name_it_again(checkpoint):
    _edit(checkpoint, model="ann2snn.models.small_cnn:small_cnn")
    with pytest.raises(WeightsError, match="pass its name yourself with --model"):
        load_network(checkpoint=str(checkpoint))
    net = load_network(checkpoint=str(checkpoint), model="ann2snn.models.small_cnn:small_cnn")
    assert net.model(torch.rand(2, 1, 8, 8)).shape == (2, 10)


@pytest.mark.parametrize("changes, message", [
    ({"model": "not_a_model"}, "unknown model 'not_a_model'"),
    ({"activation": "os.system"}, "activation 'os.system'"),
    ({"model_options": {"width": [1, 2]}}, "model_options must map names to plain values"),
    ({"num_classes": "10"}, "'num_classes' is missing or not a int"),
    ({"normalization": {"name": "x", "mean": ["__import__"], "std": [1]}}, "non-numbers"),
])
def test_tampered_checkpoint_metadata_is_refused(checkpoint, changes, message):
    _edit(checkpoint, **changes)
    with pytest.raises(WeightsError, match=message):
        load_network(checkpoint=str(checkpoint))


def _tamper_snn(path, edit):
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["ann2snn"])
    edit(meta)
    save_file(load_file(str(path)), str(path), metadata={"ann2snn": json.dumps(meta)})


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["recipe"].update(neuron="os.system"), "neuron must be one of"),
    (lambda m: m["recipe"].update(calibration="os"), "calibration must be a tuple of names"),
    (lambda m: m["recipe"].update(percentile="99"), "percentile must be a finite number"),
    (lambda m: m["recipe"].pop("name"), "malformed"),
    (lambda m: m["recipe"].update(params={"eval": "1"}), "params are malformed"),
    (lambda m: m.update(timesteps="4"), "timesteps"),
    (lambda m: m.update(input_shape=[1, -8]), "input_shape"),
])
def test_tampered_snn_metadata_is_refused(tmp_path, edit, message):
    torch.manual_seed(0)
    model = ann2snn.create_model("small_cnn").eval()
    x = torch.rand(4, 1, 8, 8)
    path = tmp_path / "s.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[x]), path)
    _tamper_snn(path, edit)
    with pytest.raises(WeightsError, match=message):
        ann2snn.load_snn(path, model)


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["architecture"].update(model="os:system"), "never imports a name read"),
    (lambda m: m["architecture"].update(model="not_a_model"), "unknown model 'not_a_model'"),
    (lambda m: m["architecture"].update(model_options={"width": [1]}), "plain values"),
    (lambda m: m["architecture"].update(normalization={"name": "x", "mean": ["a"]}),
     "non-numbers"),
    (lambda m: m.update(architecture="small_cnn"), "no architecture record"),
])
def test_a_tampered_architecture_record_builds_nothing(tmp_path, edit, message, monkeypatch):
    """Loading with no ANN object reads the architecture: checked, never imported."""
    import os

    monkeypatch.setattr(os, "system", lambda *_: pytest.fail("os.system was called"))
    model = ann2snn.create_model("small_cnn").eval()
    path = tmp_path / "s.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[torch.rand(4, 1, 8, 8)]), path)
    _tamper_snn(path, edit)
    with pytest.raises(WeightsError, match=message):
        ann2snn.load_snn(path)


def test_nan_tensors_in_an_snn_file_are_refused(tmp_path):
    model = ann2snn.create_model("small_cnn").eval()
    path = tmp_path / "s.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[torch.rand(4, 1, 8, 8)]), path)
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    state = load_file(str(path))
    key = next(k for k in state if k.endswith("threshold"))
    state[key] = torch.full_like(state[key], float("inf"))
    save_file(state, str(path), metadata=meta)
    with pytest.raises(WeightsError, match="NaN or infinite"):
        ann2snn.load_snn(path, model)


def test_recipe_records_are_checked_field_by_field():
    from ann2snn.methods.recipe import recipe_from_dict

    with pytest.raises(MethodError, match="threshold must be one of"):
        recipe_from_dict({"name": "x", "description": "", "threshold": "__import__"}, "f")
    with pytest.raises(MethodError, match="unknown"):
        recipe_from_dict({"name": "x", "__class__": "os"}, "f")
