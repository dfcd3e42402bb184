"""Every path on the device the suite runs on (``ANN2SNN_TEST_DEVICE``, cpu by default;
benchmarks/gpu_check.py runs these on CUDA): conversion, simulation, calibration, costs and a
training step keep every tensor there, and the simulation reads the host a fixed number of
times per run, never per step."""

import warnings

import pytest
import torch

import ann2snn
from ann2snn.methods import list_methods

from conftest import labelled_batches

#: presets whose outputs do not draw random numbers (the same on every device up to rounding)
DETERMINISTIC = ("opi", "rts", "snnc-light", "ftbc", "mt", "dcgs", "dc", "qcfs", "errorfree")


def _converted(method: str, device: torch.device):
    model, batches = labelled_batches(128)
    if method in ("qcfs", "errorfree"):  # QCFS with L = 2^4 - 1: errorfree applies at T = 4
        torch.manual_seed(0)
        model = ann2snn.create_model("small_cnn", activation="qcfs", levels=15, lam=2.0).eval()
        batches = [(torch.rand(16, 1, 8, 8), torch.randint(0, 10, (16,))) for _ in range(4)]
    model = model.to(device)
    moved = [(x.to(device), y.to(device)) for x, y in batches]
    return model, moved, ann2snn.convert(model, method, calib=moved, **_options(method))


def _options(method: str) -> dict:
    """T for the methods that depend on it; FTBC short."""
    options = {"ftbc": {"iterations": 2, "holdout": 1}}.get(method, {})
    return {**options, "timesteps": 4} if method not in ("rate", "robust", "opi", "dc",
                                                         "qcfs") else {}


@pytest.mark.parametrize("method", list_methods())
def test_every_preset_simulates_on_the_device(method, device):
    model, batches, snn = _converted(method, device)
    x = batches[0][0]
    with torch.no_grad():
        out = snn(x, 4)
    assert out.device.type == device.type and bool(torch.isfinite(out).all())
    assert all(t.device.type == device.type for t in snn.state_dict().values())
    if method in DETERMINISTIC and device.type != "cpu":
        cpu = ann2snn.convert(model.cpu(), method, calib=[(a.cpu(), b.cpu()) for a, b in batches],
                              **_options(method))
        with torch.no_grad():
            ref = cpu(x.cpu(), 4)
        assert (out.cpu().argmax(-1) == ref.argmax(-1)).float().mean() > 0.9


def test_folded_and_unfolded_agree_on_the_device(device):
    _, batches, snn = _converted("opi", device)
    with torch.no_grad():
        folded = snn(batches[0][0], 6)
        snn.fold_thresholds = False
        plain = snn(batches[0][0], 6)
    assert torch.allclose(folded, plain, rtol=1e-4, atol=1e-4)


def test_evaluation_with_costs_on_the_device(device):
    model, batches = labelled_batches(32)
    report = ann2snn.evaluate(model, batches, [1, 4], "snnc-light", batches, device=device)
    assert report["snn"][-1]["accuracy"] >= 0 and report["snn"][-1]["energy_uj"] > 0


def test_a_training_step_on_the_device(device):
    model = ann2snn.create_model("small_cnn", activation="qcfs", levels=4, lam=2.0).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.rand(8, 1, 8, 8, device=device), torch.randint(0, 10, (8,), device=device)
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    assert all(p.device.type == device.type and bool(torch.isfinite(p).all())
               for p in model.parameters())


@pytest.mark.parametrize("method", ["opi", "ftbc", "dcgs"])
def test_no_synchronisation_per_step_on_cuda(method, device):
    if device.type != "cuda":
        pytest.skip("CUDA only (tests/snn/test_network_calls.py counts host reads on CPU)")
    _, batches, snn = _converted(method, device)
    x = batches[0][0]
    counts = []
    for steps in (4, 4, 16):  # the first run warms up
        torch.cuda.set_sync_debug_mode("warn")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                snn(x, steps, chunk=1)
        finally:
            torch.cuda.set_sync_debug_mode(0)
        counts.append(sum("synchroniz" in str(w.message) for w in caught))
    assert counts[1] == counts[2], counts
