import pytest
import torch

import ann2snn
from ann2snn.methods import get_method, list_methods
from ann2snn.models import create_model

CONTRACT = ["rate", "robust", "opi", "qcfs"]


def test_preset_names_are_a_public_contract():
    assert set(CONTRACT) <= set(list_methods())


def _network_for(name: str):
    """A network each method applies to: QCFS with L = 2^4 - 1 where only QCFS will do."""
    qcfs_only = get_method(name).activations == ("qcfs",)
    torch.manual_seed(0)
    if qcfs_only:
        return create_model("small_cnn", activation="qcfs", levels=15, lam=2.0).eval()
    return create_model("small_cnn").eval()


@pytest.mark.parametrize("name", list_methods())
def test_every_registered_method_converts_and_runs(name):
    model = _network_for(name)
    x = torch.rand(8, 1, 8, 8)
    recipe = get_method(name)
    calib = [(x, torch.arange(8) % 10)] * 6  # ftbc: 4 held out, the rest fresh
    snn = ann2snn.convert(model, name, calib=calib,
                          timesteps=4 if recipe.depends_on_timesteps else None)
    out = snn(x, 4)
    assert out.shape == (4, 8, 10) and torch.isfinite(out).all()


def test_opi_initial_potential_is_half_threshold_and_qcfs_uses_lambda_and_shift():
    torch.manual_seed(0)
    model = create_model("small_cnn", activation="qcfs", levels=4, lam=2.5).eval()
    for name, frac in (("opi", 0.5), ("qcfs", 0.5)):
        snn = ann2snn.convert(model, name)
        for _, neuron in snn.neurons():
            assert float(neuron.threshold) == pytest.approx(2.5)
            assert float(neuron.v0) == pytest.approx(frac * 2.5)


def test_qcfs_v0_is_the_shift_of_each_layer_not_a_half():
    """With φ = 1/2 everywhere ``v0="shift"`` and ``v0=0.5`` agree: give every layer its
    own φ, so that the two can only agree if the shift is read per layer."""
    torch.manual_seed(0)
    model = create_model("small_cnn", activation="qcfs", levels=4, lam=2.5).eval()
    qcfs_layers = [m for m in model.modules() if isinstance(m, ann2snn.QCFS)]
    for i, layer in enumerate(qcfs_layers):
        layer.shift = 0.1 + 0.2 * i
    shifted = ann2snn.convert(model, "qcfs").neurons()
    halved = ann2snn.convert(model, "opi").neurons()
    for (_, neuron), (_, opi), layer in zip(shifted, halved, qcfs_layers):
        assert float(neuron.v0) == pytest.approx(layer.shift * 2.5)
        assert float(opi.v0) == pytest.approx(0.5 * 2.5)


def test_rate_thresholds_are_the_calibration_max_per_layer_and_channel():
    fc = torch.nn.Linear(3, 3)
    model = torch.nn.Sequential(fc, torch.nn.ReLU(), torch.nn.Linear(3, 2)).eval()
    x = torch.randn(64, 3)
    act = torch.relu(fc(x)).detach()
    snn = ann2snn.convert(model, "rate", calib=[x])
    assert float(snn.neurons()[0][1].threshold) == pytest.approx(float(act.max()))
    snn = ann2snn.convert(model, "rate", calib=[x], per_channel=True)
    assert torch.allclose(snn.neurons()[0][1].threshold, act.amax(0))


def test_robust_threshold_is_the_percentile_of_nonzero_activations():
    model = torch.nn.Sequential(torch.nn.Identity(), torch.nn.ReLU(), torch.nn.Linear(1, 2)).eval()
    values = torch.cat([torch.zeros(500), torch.arange(1, 1001, dtype=torch.float32)])
    snn = ann2snn.convert(model, "robust", calib=[values.view(-1, 1)], percentile=99.0)
    assert float(snn.neurons()[0][1].threshold) == pytest.approx(990.0)


def test_mse_threshold_minimises_the_clip_floor_error():
    from ann2snn.conversion.thresholds import ThresholdEstimator
    from ann2snn.functional import clip_floor

    a = torch.rand(1000, 1) ** 3 * 10
    obs = ThresholdEstimator("mse", steps=4)
    obs(a)
    best = obs.result()
    err = lambda th: float((a - clip_floor(a, 4, th)).pow(2).sum())  # noqa: E731
    candidates = [a.max() * (1 - 0.01 * i) for i in range(95)]
    assert err(best) == pytest.approx(min(err(c) for c in candidates))
    assert best < a.max()


def test_options_given_to_a_composite_preset_override_its_base():
    from ann2snn.methods.compose import resolve

    recipe = resolve(get_method("ftbc", base="snnc-light", per_channel=True, eta=0.25), {"relu"})
    assert recipe.per_channel and recipe.threshold == "mse" and recipe.params["eta"] == 0.25
    assert recipe.calibration == ("snnc-bias", "ftbc")
    assert not resolve(get_method("ftbc", base="snnc-light"), {"relu"}).per_channel
