"""Multi-threshold neurons and differential coding: the firing rule by hand, and the rate
picture against an independent transcription of the official step-0-bias formulation."""

import pytest
import torch

from ann2snn.functional.multi_threshold import (
    coding_init,
    diff_run,
    mt_fire,
    rate_run,
    signed_if_fire,
)


def test_the_mt_rule_by_hand():
    """θ = 1, N = 3: levels 1, ½, ¼ fire from ¾, ⅜, 3/16."""
    theta = torch.tensor(1.0)
    m = torch.tensor([0.8, 0.5, 0.2, 0.1, -0.5, -0.5, -0.5, 2.0])
    sent = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.6, 0.3, 0.1, 0.0])
    assert mt_fire(m, theta, 3, sent).tolist() == [1.0, 0.5, 0.25, 0.0, -0.5, -0.25, 0.0, 1.0]
    assert mt_fire(m, theta, 3, None).tolist() == [1.0, 0.5, 0.25, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert signed_if_fire(torch.tensor([1.0, 0.5, 0.0, -0.2]), theta,
                          torch.tensor([0.0, 0.0, 1.0, 0.5])).tolist() == [1.0, 0.0, -1.0, 0.0]


def _official_mt_step(mem, cumulative, thre, n):
    """One step of the official MTH neurons' firing, transcribed: one-hot of the first
    crossed threshold among θ/2^k (k < n), negative ones gated by the total sent."""
    shaped = thre / 2 ** torch.arange(n, dtype=mem.dtype).reshape(-1, *([1] * mem.dim()))
    pos = (mem.unsqueeze(0) >= shaped * 0.75).to(mem.dtype)
    neg = (mem.unsqueeze(0) <= -(shaped * 0.75)).to(mem.dtype) * \
        (cumulative.unsqueeze(0) >= shaped).to(mem.dtype)
    pos_true, neg_true = pos.clone(), neg.clone()
    pos_true[1:] -= pos[:-1]
    neg_true[1:] -= neg[:-1]
    return (shaped * pos_true).sum(0) - (shaped * neg_true).sum(0)


@pytest.mark.parametrize("n", [1, 4, 8])
def test_closed_form_mt_equals_the_official_rule_on_every_boundary(n):
    """Potentials and totals exactly on ±¾θ/2^k and θ/2^k, and one float either side of
    them, per-channel θ: the frexp form must pick the same level as comparing each one."""
    torch.manual_seed(n)
    theta = torch.rand(3, 1) + 0.3
    k = torch.randint(0, 10, (3, 400)).float()
    edge = theta * 0.75 / 2**k * torch.where(torch.rand(3, 400) < 0.5, -1.0, 1.0)
    total = theta / 2 ** torch.randint(0, 10, (3, 400)).float()
    up, down = torch.full_like(edge, 1e9), torch.full_like(edge, -1e9)
    for m in (edge, torch.nextafter(edge, up), torch.nextafter(edge, down), 3 * torch.randn(3, 400),
              torch.zeros(3, 400)):
        for sent in (total, torch.nextafter(total, torch.zeros_like(total)), torch.zeros_like(m)):
            assert torch.equal(mt_fire(m, theta, n, sent), _official_mt_step(m, sent, theta, n))
        no_negative = _official_mt_step(m, torch.zeros_like(m), theta, n)
        assert torch.equal(mt_fire(m, theta, n, None), no_negative)


def test_rate_coded_mt_equals_the_official_loop():
    torch.manual_seed(0)
    currents = torch.randn(12, 5, 7, dtype=torch.float64) * 0.6 + 0.2
    theta = torch.tensor(1.3, dtype=torch.float64)
    spikes, out, _ = rate_run(currents, lambda m, sent: mt_fire(m, theta, 5, sent),
                              coding_init(currents[0], torch.zeros((), dtype=torch.float64)))
    mem, cumulative = torch.zeros(5, 7, dtype=torch.float64), torch.zeros(5, 7, dtype=torch.float64)
    for t in range(12):
        mem = mem + currents[t]
        spike = _official_mt_step(mem, cumulative, theta, 5)
        mem, cumulative = mem - spike, cumulative + spike
        assert torch.equal(out[t], spike)
    assert torch.equal(spikes, out)


def test_differential_coding_equals_the_official_bias_step_formulation():
    """The official neuron gets x_0 = b (only the bias) then x_t = b + d_t and keeps exp_in,
    exp_out; ours gets the rate-picture current I_t = exp_in_{t-1} + d_t. Same spikes."""
    torch.manual_seed(1)
    steps, shape = 10, (4, 6)
    b = torch.randn(shape, dtype=torch.float64) * 0.3
    d = torch.randn(steps, *shape, dtype=torch.float64) * torch.tensor(
        [1.0] + [0.3] * (steps - 1), dtype=torch.float64).reshape(-1, 1, 1)
    theta = torch.tensor(0.9, dtype=torch.float64)
    # official, single-step mode (step 0: store the bias, send nothing)
    bias, exp_in = b.clone(), b.clone()
    exp_out, cumulative, mem = (torch.zeros(shape, dtype=torch.float64) for _ in range(3))
    official, currents = [], []
    for t in range(steps):
        x = b + d[t]
        currents.append(exp_in + d[t])
        mem = mem + x - bias + exp_in - exp_out
        cumulative = cumulative + exp_out
        spike = _official_mt_step(mem, cumulative, theta, 4)
        mem, cumulative = mem - spike, cumulative + spike
        exp_in = exp_in + (x - bias) / (t + 1)
        exp_out = exp_out + spike / (t + 1)
        official.append(spike)
    currents = torch.stack(currents)
    spikes, out, _ = diff_run(currents, lambda m, s: mt_fire(m, theta, 4, s),
                              coding_init(currents[0], torch.zeros((), dtype=torch.float64)))
    assert torch.allclose(spikes, torch.stack(official), atol=1e-12)
    # what the layer above integrates: y_t = mean sent before t + s_t, whose mean is exp_out
    assert torch.allclose(out.mean(0), exp_out, atol=1e-12)


@pytest.mark.parametrize("coding", [rate_run, diff_run])
def test_a_constant_current_is_sent_at_its_rate(coding):
    """I = 0.3, θ = 1, N = 8: the mean output approaches 0.3 within θ/2^(N-1)/T."""
    currents = torch.full((16, 1), 0.3, dtype=torch.float64)
    theta = torch.tensor(1.0, dtype=torch.float64)
    fire = lambda m, s: mt_fire(m, theta, 8, s)  # noqa: E731
    start = coding_init(currents[0], torch.zeros((), dtype=torch.float64))
    _, out, _ = coding(currents, fire, start)
    assert abs(float(out.mean()) - 0.3) <= 1 / 16
    # in two chunks, carrying the state: the same outputs
    _, first, state = coding(currents[:5], fire, start)
    _, second, _ = coding(currents[5:], fire, state, 5)
    assert torch.equal(torch.cat([first, second]), out)


class _OfficialMTDiff:
    """The official MTH_diff neuron in single-step mode, transcribed (state across calls)."""

    def __init__(self, thre, n):
        self.thre, self.n, self.t = thre, n, -1

    def __call__(self, x):
        if self.t == -1:
            self.bias, self.exp_in = x.clone(), x.clone()
            self.exp_out = torch.zeros_like(x)
            self.t = 0
            return torch.zeros_like(x)
        if self.t == 0:
            self.mem, self.cumulative = torch.zeros_like(x), torch.zeros_like(x)
        self.mem = self.mem + x - self.bias + self.exp_in - self.exp_out
        self.cumulative = self.cumulative + self.exp_out
        spike = _official_mt_step(self.mem, self.cumulative, self.thre, self.n)
        self.mem, self.cumulative = self.mem - spike, self.cumulative + spike
        self.exp_in = self.exp_in + (x - self.bias) / (self.t + 1)
        self.exp_out = self.exp_out + spike / (self.t + 1)
        self.t += 1
        return spike


def test_a_dcgs_network_equals_the_official_simulation():
    """An MLP converted by dcgs against the official recipe run step by step: zeros at step
    0, the input at step 1, zeros after; the output decoded by the official running mean."""
    import ann2snn
    from ann2snn.snn.network import decode

    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(6, 10), torch.nn.ReLU(), torch.nn.Linear(10, 8),
                                torch.nn.ReLU(), torch.nn.Linear(8, 3)).double().eval()
    x = torch.rand(32, 6, dtype=torch.float64)
    steps = 6
    snn = ann2snn.convert(model, "dcgs", calib=[x], timesteps=steps, mt_thresholds=4)
    ours = decode(snn(x, steps))
    thetas = [n.threshold.reshape(1, -1) for _, n in snn.neurons()]
    neurons = [_OfficialMTDiff(th, 4) for th in thetas]
    outputs = []
    for t in range(steps + 1):
        h = x if t == 1 else torch.zeros_like(x)
        h = neurons[0](model[0](h))
        h = neurons[1](model[2](h))
        outputs.append(model[4](h))
    out = torch.stack(outputs)
    decoded, exp_in = [], out[0].clone()
    for t in range(steps):
        decoded.append(exp_in + out[t + 1] - out[0])
        exp_in = exp_in + (out[t + 1] - out[0]) / (t + 1)
    official = decode(torch.stack(decoded))
    assert torch.allclose(ours, official, atol=1e-9)
    assert snn.setup_steps() == 1


def test_differential_spikes_stop_once_the_mean_is_right():
    """I = 0.375, θ = 1, N = 4: s = +½ at step 1, −¼ at step 2 (the mean is then exactly
    0.375), then nothing: the decoded mean equals the input from step 2 on."""
    currents = torch.full((8, 1), 0.375, dtype=torch.float64)
    theta = torch.tensor(1.0, dtype=torch.float64)
    spikes, out, _ = diff_run(currents, lambda m, s: mt_fire(m, theta, 4, s),
                              coding_init(currents[0], torch.zeros((), dtype=torch.float64)))
    assert spikes.flatten().tolist() == [0.5, -0.25, 0, 0, 0, 0, 0, 0]
    means = out.cumsum(0).flatten() / torch.arange(1, 9, dtype=torch.float64)
    assert means.tolist()[1:] == [0.375] * 7
