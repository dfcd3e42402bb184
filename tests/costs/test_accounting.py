"""Spikes, synaptic operations, MACs, energy and latency against counts made by hand."""

import pytest
import torch
from torch import nn

import ann2snn
from ann2snn import ClipReLU
from ann2snn.snn.neuron import SpikeCounter


class HandNet(nn.Module):
    """x [1, 4, 4] -> conv 1->2 (3x3, stride 2, padding 1) -> clip -> conv 2->2 (3x3,
    padding 1) + skip -> clip -> 2x2 average pool -> linear 2->3."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 2, 3, stride=2, padding=1, bias=False)
        self.a1 = ClipReLU(1.0)
        self.c2 = nn.Conv2d(2, 2, 3, padding=1, bias=False)
        self.a2 = ClipReLU(1.0)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(2, 3)
        with torch.no_grad():
            self.c1.weight.fill_(0.05)  # currents 0.05 x (4, 6, 6, 9) covered inputs of ones
            self.c2.weight.copy_(torch.linspace(-0.2, 0.3, 36).view(2, 2, 3, 3))
            self.fc.weight.copy_(torch.tensor([[1.0, -1.0], [0.5, 0.5], [-1.0, 2.0]]))

    def forward(self, x):
        a = self.a1(self.c1(x))
        b = self.a2(self.c2(a) + a)
        return self.fc(self.pool(b).flatten(1))


# Counted by hand for this network (weights all non-zero):
# c1 on 4x4 (stride 2, padding 1): outputs cover 2x2, 2x3, 3x2, 3x3 inputs = 25 per channel
# pair, 1 x 2 pairs -> 50 MACs. A spike of a1 (2x2 map) reaches all 4 outputs of c2 (3x3,
# padding 1) in 2 channels = 8 synapses, and 1 residual addition; a spike of a2 passes 1
# pooling window and reaches 3 outputs of fc. ANN MACs: 50 + c2 (4 x 4 x 2 x 2 = 64) + fc 6.
ANALOG_MACS, ANN_MACS, FAN_A1, FAN_A2 = 50, 120, 8, 3


def _evaluate(method, steps, **options):
    model = HandNet().eval()
    x = torch.ones(3, 1, 4, 4)
    data = [(x, torch.zeros(3, dtype=torch.long))]
    report = ann2snn.evaluate(model, data, steps, method, **options)
    return model, x, report


def _spikes(model, x, method, steps, **options):
    """Spike counts per layer from a plain observer (not the cost meter's path)."""
    snn = ann2snn.convert(model, method, timesteps=steps if method != "opi" else None, **options)
    counters = SpikeCounter.attach(snn)
    snn(x, steps)
    return [float(c.count.sum()) / x.shape[0] for c in counters.values()]


@pytest.mark.parametrize("method, options", [("opi", {}), ("tpp", {"tpp_g": "floor"})])
def test_costs_equal_the_hand_count(method, options):
    model, x, report = _evaluate(method, [2, 4], **options)
    for row in report["snn"]:
        t = row["T"]
        n1, n2 = _spikes(model, x, method, t, **options)
        if t == 4:  # first layer by hand: floor(4 z + 1/2) for z = 0.2, 0.3, 0.3, 0.45, 2 channels
            assert n1 == 2 * (1 + 1 + 1 + 2)
        sops, routing = FAN_A1 * n1 + FAN_A2 * n2, n1 + n2
        assert row["sops"] == pytest.approx(sops, abs=1e-9)
        assert row["routing_acs"] == pytest.approx(routing, abs=1e-9)
        assert row["acs"] == pytest.approx(sops + routing, abs=1e-9)
        assert row["macs"] == ANALOG_MACS and row["macs_per_step_convention"] == ANALOG_MACS * t
        assert row["spikes_per_neuron"] == pytest.approx((n1 + n2) / 16)
        assert row["firing_rate"] == pytest.approx((n1 + n2) / (16 * t))
        assert row["energy_uj"] == pytest.approx((4.6 * 50 + 0.9 * (sops + routing)) * 1e-6)
        two_phase = 2 if method == "tpp" else 0
        assert row["latency_steps"] == (two_phase + 1) * t
        assert row["first_output_step"] == two_phase * t + 1
    assert report["ann"]["macs"] == ANN_MACS
    assert report["ann"]["energy_uj"] == pytest.approx(4.6 * ANN_MACS * 1e-6)
    layers = report["layers"]["4"]
    assert [r["neurons"] for r in layers] == [8, 8]
    assert "memory traffic is ignored" in report["costs"]["note"]


def test_per_layer_error_is_the_gap_to_the_ann_activation():
    model, x, report = _evaluate("opi", [4])
    snn = ann2snn.convert(model, "opi")
    outs = {}
    for name, n in snn.neurons():
        n.register_forward_hook(lambda m, i, o, name=name: outs.__setitem__(name, o))
    snn(x, 4)
    ann = torch.clamp(model.c1(x), 0, 1).detach()
    snn_mean = outs[snn.neurons()[0][0]].reshape(4, 3, 2, 2, 2).mean(0)
    expected = float((snn_mean - ann).abs().mean())
    assert report["layers"]["4"][0]["ann_snn_error"] == pytest.approx(expected, abs=1e-12)
    raster = report["raster"]["layers"][snn.neurons()[0][0]]
    first = outs[snn.neurons()[0][0]].reshape(4, 3, 8)[:, 0]
    for j, steps in zip(raster["neurons"], raster["spike_steps"]):
        assert steps == [t + 1 for t in range(4) if first[t, j] > 0]


@pytest.mark.parametrize("fold", [True, False])
def test_per_layer_error_with_thresholds_other_than_one(fold, monkeypatch):
    """Both layers feed more than a convolution (a skip, the pooling), so they keep θ·s and
    the meter reads θ times its spike sum: the errors at T = 2 and 4 (one run) equal the gap
    of the hooked outputs, with θ = 0.6 and 0.7."""
    monkeypatch.setattr(ann2snn.SpikingNetwork, "fold_thresholds", fold)
    torch.manual_seed(0)
    model = HandNet().eval()
    model.a1, model.a2 = ClipReLU(0.6), ClipReLU(0.7)
    x = torch.rand(3, 1, 4, 4) * 4
    ann = {}
    for name in ("a1", "a2"):
        getattr(model, name).register_forward_hook(
            lambda m, i, o, name=name: ann.__setitem__(name, o.detach()))
    model(x)
    report = ann2snn.evaluate(model, [(x, torch.zeros(3, dtype=torch.long))], [2, 4], "opi")
    snn = ann2snn.convert(model, "opi")
    assert sorted(float(n.threshold) for _, n in snn.neurons()) == pytest.approx([0.6, 0.7])
    outs = {}
    for name, n in snn.neurons():
        n.register_forward_hook(lambda m, i, o, name=name: outs.__setitem__(name, o))
    snn(x, 4)
    for t in (2, 4):
        for i, ((name, _), key) in enumerate(zip(snn.neurons(), ("a1", "a2"))):
            trains = outs[name].reshape(4, 3, *ann[key].shape[1:])
            expected = float((trains[:t].mean(0) - ann[key]).abs().mean())
            assert expected > 0
            assert report["layers"][str(t)][i]["ann_snn_error"] == pytest.approx(expected, rel=1e-6)


def test_costs_can_be_switched_off():
    _, _, report = _evaluate("opi", [2], costs=False)
    assert "sops" not in report["snn"][0] and "layers" not in report


class _FoldNet(nn.Module):
    """conv -> relu (feeds conv2 alone: θ folds) -> conv -> relu (feeds flatten) -> linear."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(2, 6, 3, padding=1), nn.Conv2d(6, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.c2(torch.relu(self.c1(x)))).flatten(1))


def test_costs_are_the_same_with_theta_folded(monkeypatch):
    """The cost meter lets θ stay folded (0/1 spikes as the values, θ applied by the meter):
    counts equal the unfolded run's exactly, errors up to rounding."""
    torch.manual_seed(0)
    model, x = _FoldNet().eval(), torch.rand(16, 2, 6, 6)
    data = [(x, torch.zeros(16, dtype=torch.long))]
    reports = {}
    for fold in (True, False):
        monkeypatch.setattr(ann2snn.SpikingNetwork, "fold_thresholds", fold)
        snn = ann2snn.convert(model, "opi", calib=[x], per_channel=True)
        reports[fold] = ann2snn.evaluate(model, data, [1, 3, 5], snn=snn)
        assert (snn._folded.graph is not None) == fold  # the accounted runs were folded
    for a, b in zip(reports[True]["snn"], reports[False]["snn"]):
        assert a["sops"] == b["sops"] > 0 and a["spikes_per_neuron"] == b["spikes_per_neuron"]
    for t in ("1", "3", "5"):
        for a, b in zip(reports[True]["layers"][t], reports[False]["layers"][t]):
            assert a["ann_snn_error"] == pytest.approx(b["ann_snn_error"], rel=1e-6)
            assert a["ann_snn_error"] > 0


def test_two_phase_costs_in_closed_form_equal_the_fired_trains(monkeypatch):
    """TPP (g = floor) hands the meter closed-form spike counts and skips the fire phase of
    the batch: the costs equal those counted from fired spike trains, and the raster has
    each neuron's spike count (its steps are one draw)."""
    from ann2snn.costs.meter import LayerMeter

    torch.manual_seed(0)
    model, x = _FoldNet().eval(), torch.rand(16, 2, 6, 6)
    data = [(x, torch.zeros(16, dtype=torch.long))]
    taken, original = [], LayerMeter.observe_counts
    monkeypatch.setattr(LayerMeter, "observe_counts",
                        lambda self, *a: taken.append(original(self, *a)) or taken[-1])
    closed = ann2snn.evaluate(model, data, [4], "tpp", calib=[x], base="opi")
    assert taken and all(taken)  # every two-phase layer was counted in closed form
    monkeypatch.delattr(LayerMeter, "observe_counts")
    fired = ann2snn.evaluate(model, data, [4], "tpp", calib=[x], base="opi")
    assert closed["snn"][0]["sops"] == fired["snn"][0]["sops"] > 0
    assert closed["snn"][0]["spikes_per_neuron"] == fired["snn"][0]["spikes_per_neuron"]
    for a, b in zip(closed["layers"]["4"], fired["layers"]["4"]):
        assert a["ann_snn_error"] == pytest.approx(b["ann_snn_error"], rel=1e-5)
    for name, layer in closed["raster"]["layers"].items():
        other = fired["raster"]["layers"][name]["spike_steps"]
        assert [len(s) for s in layer["spike_steps"]] == [len(s) for s in other]


def test_accounted_sub_batches_give_the_whole_batch_costs(monkeypatch):
    """An accounted evaluation runs the sub-batches an unaccounted run would: the same
    predictions and counts, errors up to rounding, the raster of the first sample."""
    torch.manual_seed(0)
    model, x = _FoldNet().eval(), torch.rand(16, 2, 6, 6)
    data = [(x, torch.randint(0, 3, (16,)))]
    reports = {}
    for size in (4, 0):
        monkeypatch.setattr(ann2snn.SpikingNetwork, "sub_batch", size)
        reports[size] = ann2snn.evaluate(model, data, [1, 3, 5], "opi", calib=[x])
    for a, b in zip(reports[4]["snn"], reports[0]["snn"]):
        assert a["accuracy"] == b["accuracy"] and a["sops"] == b["sops"] > 0
        assert a["spikes_per_neuron"] == b["spikes_per_neuron"]
    for t in ("1", "3", "5"):
        for a, b in zip(reports[4]["layers"][t], reports[0]["layers"][t]):
            assert a["ann_snn_error"] == pytest.approx(b["ann_snn_error"], rel=1e-6)
    assert reports[4]["raster"] == reports[0]["raster"]
