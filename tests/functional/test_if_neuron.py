import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ann2snn.functional import if_multistep, if_spike_count, if_step


@settings(max_examples=300, deadline=None)
@given(
    z=st.integers(-256, 512).map(lambda k: k / 64),  # dyadic: arithmetic is exact
    theta=st.integers(1, 64).map(lambda j: j / 16),
    v0_frac=st.integers(0, 7).map(lambda i: i / 8),
    steps=st.integers(1, 64),
)
def test_constant_input_spike_count_matches_closed_form(z, theta, v0_frac, steps):
    """For a constant input z, IF emits clip(floor((T·z + v0)/θ), 0, T) spikes."""
    theta_t = torch.tensor(theta, dtype=torch.float64)
    v0 = v0_frac * theta
    currents = torch.full((steps, 1), z, dtype=torch.float64)
    spikes, _ = if_multistep(currents, theta_t, v0)
    expected = min(max(int((steps * z + v0) // theta), 0), steps)
    assert int(spikes.sum()) == expected
    assert int(if_spike_count(torch.tensor(z, dtype=torch.float64), theta_t, v0, steps)) == expected


def test_if_step_resets_by_subtraction():
    spike, v = if_step(torch.tensor([0.5, 0.2]), torch.tensor([0.7, 0.1]), torch.tensor(1.0))
    assert spike.tolist() == [1.0, 0.0]
    assert torch.allclose(v, torch.tensor([0.2, 0.3]))


def test_step_bias_is_added_per_step():
    currents = torch.zeros(3, 1)
    bias = torch.tensor([[1.0], [0.0], [1.0]])
    spikes, v = if_multistep(currents, torch.tensor(1.0), 0.0, bias)
    assert spikes.flatten().tolist() == [1.0, 0.0, 1.0]
    assert float(v) == 0.0


def test_fast_multistep_equals_the_step_by_step_reference():
    torch.manual_seed(0)
    currents = torch.randn(12, 4, 3, 5, 5, dtype=torch.float64)
    theta = torch.rand(3, 1, 1, dtype=torch.float64) + 0.5
    v0 = theta * torch.rand(3, 5, 5, dtype=torch.float64)
    bias = torch.randn(12, 3, 1, 1, dtype=torch.float64) * 0.1
    spikes, v_final = if_multistep(currents, theta, v0, bias)
    v = v0.expand(4, 3, 5, 5)
    for t in range(12):
        s, v = if_step(v, currents[t] + bias[t], theta)
        assert torch.equal(spikes[t], s)
    assert torch.allclose(v_final, v)
