"""θ folded into the consumers' weights (snn/folding.py, docs/methods.md#threshold-folding)."""

import torch
from torch import nn

import ann2snn
from ann2snn.functional import if_run_
from ann2snn.models import create_model
from ann2snn.snn.folding import fold_plan

torch.manual_seed(0)
CALIB = [torch.randn(8, 3, 32, 32) for _ in range(2)]


def _both(snn, x, steps):
    """The simulated outputs folded and unfolded."""
    with torch.no_grad():
        folded = snn(x, steps)
        snn.fold_thresholds = False
        try:
            plain = snn(x, steps)
        finally:
            snn.fold_thresholds = True
    return folded, plain


def test_unit_run_keeps_the_membrane_and_emits_the_spikes():
    currents = torch.randn(12, 4, 5, dtype=torch.float64)
    theta = torch.rand(5, dtype=torch.float64) + 0.2
    v_a, v_b = torch.zeros(4, 5, dtype=torch.float64), torch.zeros(4, 5, dtype=torch.float64)
    values = if_run_(currents, theta, v_a)
    spikes = if_run_(currents, theta, v_b, unit=True)
    assert torch.equal(v_a, v_b)  # bit for bit
    assert set(spikes.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(spikes * theta, values)


def test_resnet20_folds_only_layers_that_feed_synapses_alone():
    torch.manual_seed(1)
    snn = ann2snn.convert(create_model("resnet20").eval(), "opi", calib=CALIB, per_channel=True)
    plan = fold_plan(snn.net)
    # inside each of the 9 blocks the first neuron feeds conv2 alone; the others feed a sum
    assert len(plan) == 9 and all("act1" in t and "layer" in t for t in plan)
    # float64: W'·s and W·(θ·s) round differently, and in float32 a membrane within ~1e-6 of
    # θ somewhere among 1.5 M neuron-steps can flip a spike that then spreads; not in float64
    snn = snn.double()
    folded, plain = _both(snn, torch.randn(16, 3, 32, 32, dtype=torch.float64), 6)
    assert torch.allclose(folded, plain, rtol=1e-10, atol=1e-10)
    assert torch.equal(folded.cumsum(0).argmax(-1), plain.cumsum(0).argmax(-1))


def test_folded_network_runs_unfolded_while_observed():
    snn = ann2snn.convert(create_model("resnet20").eval(), "opi", calib=CALIB)
    name, neuron = next((n, m) for n, m in snn.neurons() if "layer1_0_act1" in n)
    seen = []
    neuron.observer = lambda s, v, o: seen.append((s, v))
    with torch.no_grad():
        snn(torch.randn(4, 3, 32, 32), 3)
    spikes, values = seen[0]
    assert torch.equal(values, spikes * neuron.threshold)  # θ·s, not s: the canonical graph


class _MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(12, 20), nn.Linear(20, 16), nn.Linear(16, 3)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def test_linear_consumers_fold_with_step_biases_and_follow_changed_thresholds():
    x = torch.randn(64, 12)
    snn = ann2snn.convert(_MLP().eval(), "ftbc", calib=[(x, torch.randint(0, 3, (64,)))],
                          timesteps=5, per_channel=True, iterations=2, holdout=0, fresh=False,
                          batches=1)
    assert len(fold_plan(snn.net)) == 2
    folded, plain = _both(snn, x, 5)
    assert torch.allclose(folded, plain, rtol=1e-5, atol=1e-6)
    for _, n in snn.neurons():
        n.threshold.mul_(0.5)  # in place: the folded copy must be rebuilt
    folded, plain = _both(snn, x, 5)
    assert torch.allclose(folded, plain, rtol=1e-5, atol=1e-6)


class _Shared(nn.Module):
    """One conv called twice, and a grouped conv after a per-channel θ: neither folds."""

    def __init__(self):
        super().__init__()
        self.a, self.g = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1, groups=2)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        x = self.a(torch.relu(self.a(x)))
        x = self.g(torch.relu(x))
        return self.head(torch.relu(x).mean((2, 3)))


def test_reused_and_grouped_consumers_do_not_fold():
    calib = [torch.randn(8, 4, 6, 6)]
    snn = ann2snn.convert(_Shared().eval(), "opi", calib=calib, per_channel=True)
    assert fold_plan(snn.net) == {}
    snn = ann2snn.convert(_Shared().eval(), "opi", calib=calib)  # one θ per layer
    assert len(fold_plan(snn.net)) == 1  # the grouped conv takes a scalar θ; `a` stays shared


def test_saved_folded_network_reloads_identical_with_unfolded_weights(tmp_path):
    model = create_model("resnet20").eval()
    snn = ann2snn.convert(model, "opi", calib=CALIB, per_channel=True)
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        before = snn(x, 4)
    ann2snn.save_snn(snn, tmp_path / "net.safetensors")
    loaded = ann2snn.load_snn(tmp_path / "net.safetensors", model)
    assert len(fold_plan(loaded.net)) == 9
    with torch.no_grad():
        assert torch.equal(loaded(x, 4), before)
    conv = dict(loaded.net.named_modules())["layer1.0.conv2"]
    assert torch.equal(conv.weight, dict(snn.net.named_modules())["layer1.0.conv2"].weight)


def test_a_hooked_layer_reads_theta_spikes():
    snn = ann2snn.convert(create_model("resnet20").eval(), "opi", calib=CALIB)
    neuron = next(m for n, m in snn.neurons() if "layer1_0_act1" in n)
    outputs = []
    neuron.register_forward_hook(lambda _m, _i, out: outputs.append(out))
    with torch.no_grad():
        snn(torch.randn(4, 3, 32, 32), 3)
    assert set(outputs[0].unique().tolist()) <= {0.0, float(neuron.threshold)}
    assert outputs[0].max() == neuron.threshold  # θ·s: the canonical graph ran


def test_a_hooked_consumer_sees_every_call_and_the_theta_spikes():
    """A hook on a synapse (as NeuroBench counts operations) must fire: no folded copy."""
    snn = ann2snn.convert(create_model("resnet20").eval(), "opi", calib=CALIB)
    conv = dict(snn.net.named_modules())["layer1.0.conv2"]
    theta = float(next(m for n, m in snn.neurons() if "layer1_0_act1" in n).threshold)
    inputs = []
    conv.register_forward_hook(lambda _m, args, _out: inputs.append(args[0]))
    with torch.no_grad():
        snn(torch.randn(4, 3, 32, 32), 3)
    assert len(inputs) == 1 and set(inputs[0].unique().tolist()) <= {0.0, theta}
    assert float(inputs[0].max()) == theta
