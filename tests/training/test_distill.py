"""Distillation from the network being fine-tuned: the loss by hand, on by default for a ReLU
network fine-tuned into QCFS, resumed bit for bit, a teacher that does not fit refused."""

import json
import math

import pytest
import torch

from ann2snn import Ann2SnnError, WeightsError
from ann2snn.cli import main
from ann2snn.models.checkpoint import META_FILE, MODEL_FILE
from ann2snn.models.weights import read_state_dict
from ann2snn.training import TrainConfig, train
from ann2snn.training.distill import distillation_loss
from ann2snn.training.lambda_init import mse_clip


def test_the_distillation_loss_by_hand():
    """One sample, two classes: s = (0, ln 3), t = (ln 3, 0), y = 0, α = ½, τ = 1.
    q = (¼, ¾), p = (¾, ¼): CE = −ln ¼ = ln 4; KL(p‖q) = ¾ ln 3 + ¼ ln ⅓ = ½ ln 3."""
    s = torch.tensor([[0.0, math.log(3)]])
    t = torch.tensor([[math.log(3), 0.0]])
    y = torch.tensor([0])
    loss = distillation_loss(s, t, y, alpha=0.5, temperature=1.0)
    assert float(loss) == pytest.approx(0.5 * math.log(4) + 0.5 * 0.5 * math.log(3), rel=1e-6)
    # τ = 2: logits halved, q = p = softmax(±ln 3 / 2) → KL = 2·(√3/(1+√3))·ln 3 / 2 ...
    q = torch.softmax(s / 2, -1)[0]
    p = torch.softmax(t / 2, -1)[0]
    kl = float((p * (p.log() - q.log())).sum())
    loss = distillation_loss(s, t, y, alpha=0.25, temperature=2.0)
    assert float(loss) == pytest.approx(0.75 * math.log(4) + 0.25 * 4 * kl, rel=1e-6)
    assert float(distillation_loss(s, t, y, alpha=0.0, temperature=3.0)) == pytest.approx(
        math.log(4), rel=1e-6)


def test_the_mse_start_is_the_best_clip_for_l_levels():
    """Values uniform on [0, 1] and a far outlier at 10: with L = 4 the best clip is near 1
    (the outlier costs (10 − λ)², spreading the levels to 10 costs every other value more)."""
    values = torch.cat([torch.linspace(0.001, 1.0, 4000), torch.tensor([10.0])])
    lam = float(mse_clip(values, 4))
    assert 0.85 <= lam <= 1.3
    def err(lam):
        q = torch.clamp(torch.floor(values * 4 / lam + 0.5), 0, 4) * lam / 4
        return float(((values - q) ** 2).sum())
    assert err(lam) <= min(err(c) for c in (0.5, 0.8, 2.0, 5.0, 10.0))


def config(out, data, **kw):
    base = dict(model="small_cnn", dataset="cifar10", data=str(data), activation="qcfs",
                levels=4, epochs=1, lr=0.05, batch_size=16, out=str(out), progress=False)
    return TrainConfig(**{**base, **kw})


@pytest.fixture
def relu_run(synthetic_cifar, tmp_path):
    out = tmp_path / "relu"
    train(config(out, synthetic_cifar, activation="relu"), log=lambda m: None)
    return out


def test_distillation_is_on_by_default_and_resumes_bit_for_bit(synthetic_cifar, tmp_path,
                                                               relu_run):
    whole = train(config(tmp_path / "whole", synthetic_cifar, weights=str(relu_run)),
                  log=lambda m: None)
    assert whole["distillation"] == {"alpha": 0.5, "temperature": 4.0,
                                     "teacher": str(relu_run)}
    with pytest.raises(KeyboardInterrupt):
        train(config(tmp_path / "split", synthetic_cifar, weights=str(relu_run)),
              should_stop=lambda epoch, step: step == 3, log=lambda m: None)
    train(config(tmp_path / "split", synthetic_cifar, weights=str(relu_run), resume=True),
          log=lambda m: None)
    a = read_state_dict(tmp_path / "whole" / MODEL_FILE)
    b = read_state_dict(tmp_path / "split" / MODEL_FILE)
    assert all(torch.equal(a[k], b[k]) for k in a)
    off = train(config(tmp_path / "off", synthetic_cifar, weights=str(relu_run), distill=0.0),
                log=lambda m: None)
    c = read_state_dict(tmp_path / "off" / MODEL_FILE)
    assert off["distillation"] is None and not all(torch.equal(a[k], c[k]) for k in a)


def test_a_teacher_that_does_not_fit_is_refused(synthetic_cifar, tmp_path, relu_run, capsys):
    other = tmp_path / "vgg"
    from ann2snn.models import create_model

    torch.save(create_model("small_cnn", num_classes=7, in_channels=3).state_dict(),
               tmp_path / "seven.pth")
    with pytest.raises(WeightsError, match=r"of the teacher \(seven.pth\) do not fit"):
        train(config(other, synthetic_cifar, weights=str(relu_run),
                     teacher=str(tmp_path / "seven.pth")), log=lambda m: None)
    qcfs = tmp_path / "qcfs"
    train(config(qcfs, synthetic_cifar, weights=str(relu_run)), log=lambda m: None)
    with pytest.raises(Ann2SnnError, match="is not a ReLU network"):
        train(config(tmp_path / "t", synthetic_cifar, weights=str(relu_run),
                     teacher=str(qcfs)), log=lambda m: None)
    with pytest.raises(Ann2SnnError, match="--distill needs a network to distil from"):
        train(config(tmp_path / "n", synthetic_cifar, distill=0.5), log=lambda m: None)
    assert main(["train", "--model", "small_cnn", "--dataset", "cifar10", "--data",
                 str(synthetic_cifar), "--weights", str(relu_run), "--teacher",
                 str(tmp_path / "seven.pth"), "--epochs", "1", "--out", str(tmp_path / "cli"),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "of the teacher (seven.pth) do not fit" in err
    meta = json.loads((qcfs / META_FILE).read_text())
    assert meta["config"]["distill"] is None and meta["distillation"]["alpha"] == 0.5


def test_a_fine_tune_says_where_it_starts_and_logs_within_the_epoch(synthetic_cifar, tmp_path,
                                                                     relu_run):
    messages = []
    meta = train(config(tmp_path / "ft", synthetic_cifar, weights=str(relu_run),
                        progress=True), log=messages.append)
    assert any(m.startswith("before fine-tuning: test accuracy") for m in messages)
    assert 0.0 <= meta["start_accuracy"] <= 1.0
    steps = [m for m in messages if ": step " in m]  # 7 steps: a line for each of them
    assert len(steps) == 7 and steps[-1].startswith("epoch 1/1: step 7/7, loss")
