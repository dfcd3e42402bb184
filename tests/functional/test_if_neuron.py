import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ann2snn.functional import (
    IFParameters,
    IFState,
    if_init,
    if_multistep,
    if_run_,
    if_spike_count,
    if_step,
)


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
    p = IFParameters(torch.tensor(2.0), v0=torch.tensor([1.0, 0.4]), bias=torch.tensor([0.4, 0.2]))
    state = if_init(torch.zeros(2), p)
    assert state.v.tolist() == [1.0, pytest.approx(0.4)]
    out, state = if_step(torch.tensor([1.0, 0.2]), state, p)  # m = 1 + 1 + 0.4, 0.4 + 0.2 + 0.2
    assert out.tolist() == [2.0, 0.0]  # θ·s
    assert torch.allclose(state.v, torch.tensor([0.4, 0.8]))


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
    state = IFState(v0.expand(4, 3, 5, 5))
    for t in range(12):
        out, state = if_step(currents[t], state, IFParameters(theta, bias=bias[t]))
        assert torch.equal(spikes[t] * theta, out)
    assert torch.allclose(v_final, state.v)


def test_in_place_run_equals_the_step_by_step_reference():
    """if_run_ (the simulator's path) gives θ·s and the membrane of if_step, bit for bit."""
    torch.manual_seed(1)
    currents = torch.randn(9, 4, 3, 5, 5)
    theta = torch.rand(3, 1, 1) + 0.5
    beta = torch.randn(9, 3, 1, 1) * 0.1
    v0 = theta * torch.rand(3, 5, 5)
    v = v0.expand(4, 3, 5, 5).clone()
    spikes = torch.empty_like(currents, dtype=torch.bool)
    values = if_run_(currents, theta, v, beta, spikes)
    ref = IFState(v0.expand(4, 3, 5, 5))
    for t in range(9):
        out, ref = if_step(currents[t], ref, IFParameters(theta, bias=beta[t]))
        assert torch.equal(spikes[t], out > 0)
        assert torch.equal(values[t], out)
    assert torch.equal(v, ref.v)


def test_in_place_run_keeps_channels_last_and_needs_no_spike_tensor():
    currents = torch.rand(3, 2, 4, 6, 6)
    cl = currents.permute(0, 1, 3, 4, 2).contiguous().permute(0, 1, 4, 2, 3)  # channels last
    assert cl.stride(2) == 1 and torch.equal(cl, currents)
    theta = torch.tensor(0.4)
    a = if_run_(currents, theta, torch.zeros(2, 4, 6, 6))
    b = if_run_(cl, theta, torch.zeros(2, 4, 6, 6).contiguous(memory_format=torch.channels_last))
    assert torch.equal(a, b)
    assert b.stride() == cl.stride()  # the outputs keep the layout
