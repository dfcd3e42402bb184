"""Fine-tuning a user's own model (``package.module:function``) into QCFS: its ReLU call sites,
however written, become QCFS modules through the converter's canonicalisation; the
checkpoint reloads for ``evaluate --checkpoint`` with ``--model`` typed again."""

import json

import pytest
import torch

from ann2snn.ann import QCFS
from ann2snn.cli import main
from ann2snn.models import create_model
from ann2snn.models.checkpoint import MODEL_FILE
from ann2snn.models.loading import load_network
from ann2snn.models.weights import read_state_dict
from ann2snn.training import TrainConfig, train


def _user_weights(tmp_path, model, **options):
    """A ReLU state_dict of the user's model, saved as a user would (torch.save)."""
    torch.manual_seed(0)
    path = tmp_path / "relu.pth"
    torch.save(create_model(model, **options).state_dict(), path)
    return path


def _fine_tune(tmp_path, model, dataset, data, weights):
    out = tmp_path / "qcfs"
    meta = train(TrainConfig(model=model, dataset=dataset, data=data, weights=str(weights),
                             activation="qcfs", levels=4, epochs=1, lr=0.01, batch_size=16,
                             out=str(out), progress=False, normalize="none"),
                 log=lambda m: None)
    return out, meta


@pytest.mark.parametrize("model, dataset, sites", [
    ("user_models:functional_resnet", "cifar10", 3),  # F.relu, torch.relu, Tensor.relu
    ("user_models:module_cnn", "digits", 1),  # nn.ReLU
])
def test_a_user_model_fine_tunes_into_qcfs_and_reloads(synthetic_cifar, tmp_path, capsys,
                                                      model, dataset, sites):
    in_channels = 3 if dataset == "cifar10" else 1
    weights = _user_weights(tmp_path, model, in_channels=in_channels)
    data = str(synthetic_cifar) if dataset == "cifar10" else None
    out, meta = _fine_tune(tmp_path, model, dataset, data, weights)
    state = read_state_dict(out / MODEL_FILE)
    lams = {k: float(v) for k, v in state.items() if k.endswith(".lam")}
    assert len(lams) == sites and all(0 < v < 8.0 for v in lams.values())  # λ from data
    relu = torch.load(weights, weights_only=True)
    assert set(relu) <= set(state)  # the user's parameters keep their names
    net = load_network(checkpoint=str(out), model=model).model.eval()
    assert sum(isinstance(m, QCFS) for m in net.modules()) == sites
    loaded = getattr(net, "model", net).state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in state)
    report = tmp_path / "r.json"
    assert main(["evaluate", "--checkpoint", str(out), "--model", model, "--method", "qcfs",
                 "--timesteps", "4", "--json", str(report)]) == 0, capsys.readouterr().err
    r = json.loads(report.read_text())
    assert r["ann"]["accuracy"] == pytest.approx(meta["accuracy"])


def test_a_user_model_without_relu_is_refused_in_one_line(tmp_path, capsys):
    weights = _user_weights(tmp_path, "user_models:no_relu_cnn")
    assert main(["train", "--model", "user_models:no_relu_cnn", "--dataset", "digits",
                 "--weights", str(weights), "--normalize", "none", "--activation", "qcfs",
                 "--epochs", "1", "--out", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "has no ReLU to make qcfs" in err
    assert not (tmp_path / "run").exists()
