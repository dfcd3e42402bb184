"""Error-free conversion: the SNN computes exactly the QCFS ANN (docs/methods.md#bit-coded)."""

import pytest
import torch
from torch import nn

import ann2snn
from ann2snn import MethodError

from conftest import randomize_bn


class QcfsResidual(nn.Module):
    """conv-BN-QCFS, a residual block, pooling, linear-BN1d-QCFS, linear."""

    def __init__(self, levels: int, seed: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        lam = lambda: float(torch.rand(1, generator=g)) * 2 + 0.5  # noqa: E731
        conv = lambda cin: nn.Conv2d(cin, 8, 3, padding=1)  # noqa: E731
        self.c0, self.b0, self.a0 = conv(3), nn.BatchNorm2d(8), ann2snn.QCFS(levels, lam())
        self.c1, self.b1, self.a1 = conv(8), nn.BatchNorm2d(8), ann2snn.QCFS(levels, lam())
        self.c2, self.b2, self.a2 = conv(8), nn.BatchNorm2d(8), ann2snn.QCFS(levels, lam())
        self.pool = nn.AvgPool2d(2)
        self.fc1, self.bf, self.af = nn.Linear(8 * 4 * 4, 16), nn.BatchNorm1d(16), ann2snn.QCFS(levels, lam())
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.a0(self.b0(self.c0(x)))
        y = self.a1(self.b1(self.c1(x)))
        y = self.a2(self.b2(self.c2(y)) + x)
        y = self.af(self.bf(self.fc1(self.pool(y).flatten(1))))
        return self.fc2(y)


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5, 6])
def test_float64_spiking_output_equals_ann(steps):
    torch.manual_seed(steps)
    model = randomize_bn(QcfsResidual(2**steps - 1, steps), seed=steps).double()
    x = torch.rand(128, 3, 8, 8, dtype=torch.float64) * 2
    snn = ann2snn.convert(model, "errorfree", timesteps=steps)
    with torch.no_grad():
        out, ref = snn(x, steps).mean(0), model(x)
    lam = min(float(m.lam.detach()) for m in model.modules() if isinstance(m, ann2snn.QCFS))
    assert (out - ref).abs().max() <= 1e-6 * lam


@pytest.mark.parametrize("steps", [2, 4])
def test_float32_predictions_identical(steps):
    torch.manual_seed(0)
    model = randomize_bn(QcfsResidual(2**steps - 1, 10 + steps), seed=steps)
    x = torch.rand(2000, 3, 8, 8) * 2
    snn = ann2snn.convert(model, "errorfree", timesteps=steps)
    with torch.no_grad():
        same = (snn(x, steps).mean(0).argmax(1) == model(x).argmax(1)).float().mean()
    assert same >= 0.999


def test_errorfree_refuses_the_wrong_levels_with_advice():
    model = QcfsResidual(4, 0).eval()
    with pytest.raises(MethodError, match=r"L = 2\^T - 1 = 7 .* L = 4; train or fine-tune with levels=7"):
        ann2snn.convert(model, "errorfree", timesteps=3)
    relu = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    with pytest.raises(MethodError, match="needs qcfs activations"):
        ann2snn.convert(relu, "errorfree", timesteps=2)
    with pytest.raises(MethodError, match="depends on T"):
        ann2snn.convert(model, "errorfree")


def test_fast_count_coded_path_equals_the_spike_train_reference():
    torch.manual_seed(0)
    model = randomize_bn(QcfsResidual(7, 1)).double()
    x = torch.rand(16, 3, 8, 8, dtype=torch.float64)
    for method, opts in (("errorfree", {}), ("tpp", {"tpp_g": "floor"})):
        snn = ann2snn.convert(model, method, calib=[x], timesteps=3, **opts)
        fast = snn(x, 3).mean(0)
        for _, n in snn.neurons():
            n.count_coded = False
        snn.seed(0)
        assert torch.allclose(snn(x, 3).mean(0), fast, atol=1e-9)


def test_two_phase_reports_state_their_latency():
    model = QcfsResidual(3, 0).eval()
    x = torch.rand(8, 3, 8, 8)
    data = [(x, torch.zeros(8, dtype=torch.long))]
    report = ann2snn.evaluate(model, data, [2], "errorfree")
    assert report["latency"]["two_phase_layers"] == 4
    assert "N*T" in report["latency"]["note"]


def test_errorfree_and_tpp_reload_identically(tmp_path):
    torch.manual_seed(0)
    model = randomize_bn(QcfsResidual(7, 2))
    x = torch.rand(16, 3, 8, 8)
    for method, opts in (("errorfree", {}), ("tpp", {"tpp_g": "rate", "seed": 5})):
        snn = ann2snn.convert(model, method, timesteps=3, **opts)
        path = tmp_path / f"{method}.safetensors"
        ann2snn.save_snn(snn, path)
        again = ann2snn.load_snn(path, model)
        assert type(again.neurons()[0][1]) is type(snn.neurons()[0][1])
        snn.seed(snn.info.recipe.seed)
        assert torch.equal(again(x, 3), snn(x, 3))  # same seeds: the same random draws
