import json

import pytest
import torch

from ann2snn import Ann2SnnError, WeightsError
from ann2snn.cli import main
from ann2snn.models.checkpoint import META_FILE, MODEL_FILE, STATE_FILE
from ann2snn.models.loading import load_network
from ann2snn.models.weights import read_state_dict
from ann2snn.training import TrainConfig, load_checkpoint, train


def config(out, data, **kw):
    base = dict(model="small_cnn", dataset="cifar10", data=str(data), activation="qcfs", levels=4,
                epochs=1, lr=0.05, batch_size=16, out=str(out), progress=False)
    return TrainConfig(**{**base, **kw})


def weights(path):
    return read_state_dict(path / MODEL_FILE)


def test_interrupted_and_resumed_equals_uninterrupted(synthetic_cifar, tmp_path):
    # 100 augmented training images, batches of 16: 7 steps; stop after step 3, resume
    train(config(tmp_path / "whole", synthetic_cifar), log=lambda m: None)
    with pytest.raises(KeyboardInterrupt):
        train(config(tmp_path / "split", synthetic_cifar),
              should_stop=lambda epoch, step: step == 3, log=lambda m: None)
    state = torch.load(tmp_path / "split" / STATE_FILE, weights_only=True)
    assert (state["epoch"], state["step"]) == (0, 3)
    meta = train(config(tmp_path / "split", synthetic_cifar, resume=True), log=lambda m: None)
    a, b = weights(tmp_path / "whole"), weights(tmp_path / "split")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    whole = json.loads((tmp_path / "whole" / META_FILE).read_text())
    def drop_time(history):
        return [{k: v for k, v in h.items() if k != "seconds"} for h in history]

    assert drop_time(meta["history"]) == drop_time(whole["history"]) and len(meta["history"]) == 1


def test_resume_across_epochs_and_refusals(synthetic_cifar, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(config(out, synthetic_cifar, epochs=2), should_stop=lambda e, s: e == 1 and s == 2,
              log=lambda m: None)
    with pytest.raises(Ann2SnnError, match="already holds a training run; pass --resume"):
        train(config(out, synthetic_cifar, epochs=2), log=lambda m: None)
    with pytest.raises(Ann2SnnError, match="other lr"):
        train(config(out, synthetic_cifar, epochs=2, lr=0.1, resume=True), log=lambda m: None)
    with pytest.raises(Ann2SnnError, match="nothing to resume"):
        train(config(tmp_path / "empty", synthetic_cifar, resume=True), log=lambda m: None)
    meta = train(config(out, synthetic_cifar, epochs=2, resume=True), log=lambda m: None)
    train(config(tmp_path / "ref", synthetic_cifar, epochs=2), log=lambda m: None)
    a, b = weights(out), weights(tmp_path / "ref")
    assert all(torch.equal(a[k], b[k]) for k in a) and [h["epoch"] for h in meta["history"]] == [1, 2]


def test_checkpoint_metadata_and_loading(synthetic_cifar, tmp_path):
    out = tmp_path / "run"
    train(config(out, synthetic_cifar, levels=3), log=lambda m: None)
    meta = json.loads((out / META_FILE).read_text())
    assert meta["model"] == "small_cnn" and meta["activation"] == "qcfs" and meta["levels"] == 3
    assert meta["normalization"]["name"] == "cifar10" and len(meta["normalization"]["mean"]) == 3
    net = load_network(checkpoint=str(out)).model
    from ann2snn.data import load_dataset
    from ann2snn.training import accuracy

    test = load_dataset("cifar10", synthetic_cifar, "test")
    assert meta["dataset"] == "cifar10"
    assert meta["accuracy"] == meta["history"][-1]["test_accuracy"] == accuracy(
        net, torch.utils.data.DataLoader(test, batch_size=16))
    assert net.normalize.mean.flatten().tolist() == pytest.approx(meta["normalization"]["mean"])
    assert net.model.features[2].levels == 3
    with pytest.raises(WeightsError, match="holds 'small_cnn', not 'resnet20'"):
        load_checkpoint(out, model="resnet20")
    with pytest.raises(WeightsError, match="not an ann2snn checkpoint"):
        load_checkpoint(tmp_path)
    (out / META_FILE).write_text("{broken")
    with pytest.raises(WeightsError, match="corrupt"):
        load_checkpoint(out)


def test_fine_tuning_a_relu_checkpoint_starts_lambda_from_data(synthetic_cifar, tmp_path):
    relu = tmp_path / "relu"
    train(config(relu, synthetic_cifar, activation="relu"), log=lambda m: None)
    messages = []
    train(config(tmp_path / "qcfs", synthetic_cifar, weights=str(relu), lr=1e-9), log=messages.append)
    assert any("λ from data" in m for m in messages)
    net, _ = load_checkpoint(tmp_path / "qcfs")
    lams = [float(m.lam.detach()) for m in net.modules() if hasattr(m, "lam")]
    assert len(lams) == 3 and all(0 < v < 8.0 for v in lams)


def test_cli_train_then_evaluate_and_convert_without_extra_flags(synthetic_cifar, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--model", "small_cnn", "--dataset", "cifar10", "--data",
                 str(synthetic_cifar), "--epochs", "1", "--batch-size", "20", "--out", str(out),
                 "--no-progress"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    report = tmp_path / "r.json"
    assert main(["evaluate", "--checkpoint", str(out), "--method", "qcfs", "--timesteps", "2,4",
                 "--json", str(report)]) == 0
    r = json.loads(report.read_text())
    assert r["model"] == "small_cnn" and r["samples"] == 20 and r["normalization"] == "cifar10"
    snn_file = tmp_path / "snn.safetensors"
    assert main(["convert", "--weights", str(out), "--method", "qcfs", "--out", str(snn_file)]) == 0
    import ann2snn

    snn = ann2snn.load_snn(snn_file, load_network(checkpoint=str(out)).model)
    assert snn(torch.rand(2, 3, 32, 32), 2).shape == (2, 2, 10)
    assert main(["evaluate", "--checkpoint", str(out), "--model", "vgg16"]) == 2
    assert "holds 'small_cnn', not 'vgg16'" in capsys.readouterr().err
