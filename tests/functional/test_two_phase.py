import pytest
import torch

from ann2snn.functional import bitcoded_fire, bitcoded_thresholds, permute_time, tpp_fire


def test_tpp_floor_emits_exactly_the_clipped_floor():
    torch.manual_seed(0)
    theta, steps = torch.tensor(0.7, dtype=torch.float64), 6
    v = torch.randn(5000, dtype=torch.float64) * 3 + 1
    spikes = tpp_fire(v, theta, steps, "floor", torch.Generator().manual_seed(1))
    expected = torch.clamp(torch.floor(v / theta), 0, steps)
    assert torch.equal(spikes.sum(0), expected)


def test_tpp_rate_mean_count_matches_clipped_rate():
    """Mean over 4000 seeds (independent draws) within 5 standard errors of clamp(V/θ, 0, T)."""
    theta, steps = torch.tensor(1.0, dtype=torch.float64), 4
    v = torch.tensor([-1.0, 0.3, 1.5, 2.25, 3.9, 6.0], dtype=torch.float64)
    draws = v.repeat(4000, 1)
    counts = tpp_fire(draws, theta, steps, "rate", torch.Generator().manual_seed(0)).sum(0)
    mean, se = counts.mean(0), counts.std(0) / 4000**0.5
    expected = torch.clamp(v / theta, 0, steps)
    assert torch.all((mean - expected).abs() <= 5 * se + 1e-9)
    assert torch.all(counts[:, 0] == 0) and torch.all(counts[:, -1] == steps)


def test_tpp_same_seed_same_spikes_other_seed_other_spikes():
    v, theta = torch.rand(1000) * 4, torch.tensor(1.0)
    a = tpp_fire(v, theta, 8, "rate", torch.Generator().manual_seed(3))
    b = tpp_fire(v, theta, 8, "rate", torch.Generator().manual_seed(3))
    c = tpp_fire(v, theta, 8, "rate", torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("steps", [1, 2, 3, 5])
def test_bitcoded_fire_sends_the_clipped_floor_in_bits(steps):
    levels, lam = 2**steps - 1, torch.tensor(1.3, dtype=torch.float64)
    u = torch.linspace(-0.5, 2.0, 997, dtype=torch.float64)
    th = bitcoded_thresholds(lam, levels, steps)
    assert torch.allclose(th[0] / th[-1], torch.tensor(2.0 ** (steps - 1), dtype=torch.float64))
    sent = (bitcoded_fire(u, th) * th.view(-1, 1)).sum(0)
    expected = lam / levels * torch.clamp(torch.floor(u * levels / lam), 0, levels)
    assert torch.allclose(sent, expected, atol=1e-12)


def test_permutation_keeps_counts_and_layer_mode_shares_one_order():
    x = (torch.rand(7, 3, 4, 5) < 0.4).float()
    x[:, 0, 0, 0] = torch.arange(7.0)  # a probe neuron whose values reveal the order
    x[:, 1, 2, 3] = torch.arange(7.0)
    g = torch.Generator().manual_seed(0)
    for mode in ("layer", "neuron"):
        y = permute_time(x, mode, g)
        assert torch.equal(y.sum(0), x.sum(0))
    y = permute_time(x, "layer", torch.Generator().manual_seed(1))
    assert torch.equal(y[:, 0, 0, 0], y[:, 1, 2, 3])  # one permutation for the whole layer
    probes = torch.arange(7.0).view(7, 1).expand(7, 200).contiguous()
    y = permute_time(probes, "neuron", torch.Generator().manual_seed(2))
    assert len({tuple(col.tolist()) for col in y.T}) > 150  # independent per neuron


def test_literal_sequential_rule_is_biased_as_documented():
    theta, steps = torch.tensor(1.0, dtype=torch.float64), 4
    draws = torch.full((20000,), 0.3, dtype=torch.float64)
    counts = tpp_fire(draws, theta, steps, "rate-sequential", torch.Generator().manual_seed(0))
    expected = 1 - (1 - 0.3 / 4) * (1 - 0.3 / 3) * (1 - 0.3 / 2) * (1 - 0.3)  # P(>= 1 spike)
    assert float(counts.sum(0).mean()) == pytest.approx(expected, abs=0.02)
