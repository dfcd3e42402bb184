"""Threshold iteration (DCGS): the fixed point minimises the quantisation error of a Gaussian
pre-activation, checked against a brute-force search on samples."""

import pytest
import torch

from ann2snn.conversion.thresholds import ThresholdEstimator, iterate_threshold


def _empirical_mse(x: torch.Tensor, theta: float, n: int) -> float:
    q = torch.clamp(torch.floor(x * n / theta + 0.5), 0, n) * theta / n
    return float(((torch.relu(x) - q) ** 2).mean())


@pytest.mark.parametrize("mean, std, n", [(0.0, 1.0, 4), (0.5, 1.0, 8), (-1.0, 2.0, 64),
                                           (2.0, 0.5, 1024)])
def test_the_fixed_point_minimises_the_gaussian_quantisation_error(mean, std, n):
    torch.manual_seed(0)
    x = torch.randn(2_000_000, dtype=torch.float64) * std + mean
    theta = float(iterate_threshold(torch.tensor([mean]), torch.tensor([std ** 2]), n))
    grid = torch.linspace(0.5, 1.5, 41) * theta
    errors = [_empirical_mse(x, float(g), n) for g in grid]
    best = float(grid[int(torch.tensor(errors).argmin())])
    assert abs(best - theta) <= 0.05 * theta  # the sampled optimum is the analytic one
    assert _empirical_mse(x, theta, n) <= min(errors) * 1.01  # sampled tails are noisy


def test_the_estimator_pools_moments_over_batches_and_channels():
    torch.manual_seed(1)
    a = torch.randn(40, 3, 5, 5) * torch.tensor([1.0, 2.0, 0.5]).reshape(1, 3, 1, 1)
    est = ThresholdEstimator("iterative", per_channel=True, levels=8)
    assert est.observes == "input"
    for part in a.split(10):
        est(part)
    rows = a.transpose(0, 1).reshape(3, -1).double()
    expected = iterate_threshold(rows.mean(1), rows.var(1, unbiased=False), 8)
    assert torch.allclose(est.result().double(), expected, rtol=1e-5)
    dead = ThresholdEstimator("iterative", levels=8)
    dead(-torch.rand(4, 3) - 10)
    assert float(dead.result()) == 1.0 and dead.silent == "layer"


def test_the_minimum_is_the_fixed_point_of_the_update():
    """θ = E[x⁺Q]/E[Q²] at the result (the stationarity the official iteration seeks)."""
    from ann2snn.conversion.thresholds import _quantiser_moments

    mean, var = torch.tensor([0.3, -0.5, 1.0]), torch.tensor([1.0, 0.7, 0.2])
    theta = iterate_threshold(mean, var, 16)
    ex_q, eq2 = _quantiser_moments(mean.double(), var.double().sqrt(), theta, 16)
    assert torch.allclose(ex_q / eq2, theta, rtol=1e-4)


def test_one_level_by_hand():
    """n = 1, x ~ N(0, 1): Q = [x ≥ θ/2], so θ = E[x | x ≥ θ/2] = φ(θ/2) / (1 − Φ(θ/2)), the
    inverse Mills ratio at θ/2; solved here by a scalar fixed-point loop."""
    import math

    theta = 1.0
    for _ in range(200):
        a = theta / 2
        theta = math.exp(-a * a / 2) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(a / math.sqrt(2)))
    ours = float(iterate_threshold(torch.tensor([0.0]), torch.tensor([1.0]), 1))
    assert ours == pytest.approx(theta, rel=1e-4)
