import pytest
import torch

import ann2snn
from ann2snn import MethodError
from ann2snn.models import create_model
from ann2snn.snn.neuron import SpikeCounter


@pytest.fixture
def qcfs_net():
    torch.manual_seed(0)
    return create_model("small_cnn", activation="qcfs", levels=4, lam=1.5).eval()


def test_tpp_floor_network_equals_rounded_clipped_ann(qcfs_net):
    """TPP-floor with v0 = θ/2 computes QCFS with T levels whatever the spike positions."""
    x = torch.rand(32, 1, 8, 8)
    snn = ann2snn.convert(qcfs_net, "tpp", timesteps=4, tpp_g="floor")  # base: qcfs, L = T
    with torch.no_grad():
        assert torch.allclose(snn(x, 4).mean(0), qcfs_net(x), atol=1e-4)


def test_tpp_same_seed_same_output_other_seed_differs(qcfs_net):
    x = torch.rand(16, 1, 8, 8)
    a = ann2snn.convert(qcfs_net, "tpp", timesteps=4, seed=1, tpp_g="rate")(x, 4)
    b = ann2snn.convert(qcfs_net, "tpp", timesteps=4, seed=1, tpp_g="rate")(x, 4)
    c = ann2snn.convert(qcfs_net, "tpp", timesteps=4, seed=2, tpp_g="rate")(x, 4)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_permutation_keeps_each_layers_spike_counts(qcfs_net):
    x = torch.rand(8, 1, 8, 8)
    plain = ann2snn.convert(qcfs_net, "qcfs")
    for mode in ("layer", "neuron"):
        perm = ann2snn.convert(qcfs_net, "qcfs", permute=mode, seed=3)
        assert not perm.uniform_in_time
        counts = []
        for snn in (plain, perm):
            counters = SpikeCounter.attach(snn)
            snn(x, 6)
            counts.append([c.count for c in counters.values()])
        # the first layer's input is constant: same counts; later layers see permuted trains
        assert torch.equal(counts[0][0], counts[1][0])
        assert sum(float(c.sum()) for c in counts[1]) > 0


def test_permutation_uses_one_order_per_layer_and_batch():
    from ann2snn.snn import IFNeuron

    plain, perm = IFNeuron(1.0, 0.5), IFNeuron(1.0, 0.5)
    perm.permute = "layer"
    perm.seed(11)
    x = torch.rand(8 * 3, 4, 5) * 1.5  # [T·B, ...], T = 8, B = 3
    for n in (plain, perm):
        n.set_time(8, 3)
    base, out = plain(x).reshape(8, 3, 4, 5), perm(x).reshape(8, 3, 4, 5)
    order = torch.randperm(8, generator=torch.Generator().manual_seed(11))
    assert torch.equal(out, base[order])  # the same order for every neuron and sample
    out2 = perm(x).reshape(8, 3, 4, 5)  # the next batch draws its own order
    assert torch.equal(out2.sum(0), base.sum(0))


def test_senseless_combinations_are_refused(qcfs_net):
    x = torch.rand(4, 1, 8, 8)
    with pytest.raises(MethodError, match="FTBC's per-step biases act on IF neurons"):
        ann2snn.convert(qcfs_net, ann2snn.get_method("tpp").with_options(calibration=("ftbc",)),
                        calib=[x], timesteps=4)
    with pytest.raises(MethodError, match="drop permute"):
        ann2snn.convert(qcfs_net, "tpp", timesteps=4, permute="layer")
    with pytest.raises(MethodError, match="needs calibration data"):
        ann2snn.convert(create_model("small_cnn").eval(), "tpp", timesteps=4)


def test_every_tpp_floor_layer_emits_exactly_the_clipped_floor_count(qcfs_net):
    """Each layer, not only the first: count = clamp(floor((v0 + Σ_t I[t])/θ), 0, T)."""
    x = torch.rand(16, 1, 8, 8)
    snn = ann2snn.convert(qcfs_net, "tpp", timesteps=5, tpp_g="floor")
    seen = {}
    counters = SpikeCounter.attach(snn)
    for name, n in snn.neurons():
        n.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, i[0]))
    snn(x, 5)
    assert len(seen) == 3
    for name, n in snn.neurons():
        inp = seen[name]  # two-phase layers pass on their time-mean: constant [B, ...]
        total = inp * 5 if inp.shape[0] == 16 else inp.reshape(5, 16, *inp.shape[1:]).sum(0)
        expected = torch.floor((total + n.v0) / n.threshold).clamp(0, 5)
        assert torch.equal(counters[name].count, expected.sum(0)), name


def test_rts_adds_theta_over_2T_to_every_layers_bias():
    torch.manual_seed(0)
    model = create_model("small_cnn", activation="clip", lam=2.0).eval()
    for steps in (2, 8):
        snn = ann2snn.convert(model, "rts", timesteps=steps)
        for _, n in snn.neurons():
            assert float(n.bias) == pytest.approx(2.0 / (2 * steps)) and float(n.v0) == 0.0


def test_tpp_on_a_relu_network_keeps_its_bases_snnc_correction():
    """TPP neurons run their own forward: the base's calibration must still reach them."""
    from conftest import labelled_batches

    model, data = labelled_batches(48)
    snn = ann2snn.convert(model, "tpp", data, timesteps=4)
    assert snn.info.recipe.calibration == ("snnc-bias",)
    biases = [n.bias for _, n in snn.neurons()]
    assert all(b.shape == (8,) and bool(b.ne(0).any()) for b in biases)


def test_tpp_calibration_averages_the_closed_form_without_firing(monkeypatch):
    """SNNC on TPP-floor layers reads the time-mean they hand on (no fire phase, no draws);
    the biases equal those from the fired trains up to rounding (g = floor: same counts)."""
    from ann2snn.snn.tpp_neuron import TPPNeuron
    from ann2snn.snn.two_phase import TwoPhaseNeuron

    from conftest import labelled_batches

    model, data = labelled_batches(48)
    fired = []
    original = TPPNeuron.fire
    monkeypatch.setattr(TPPNeuron, "fire", lambda self, total: fired.append(1) or original(self, total))
    closed = ann2snn.convert(model, "tpp", data, timesteps=4)
    assert not fired
    monkeypatch.setattr(TwoPhaseNeuron, "count_coded", False)
    trains = ann2snn.convert(model, "tpp", data, timesteps=4)
    assert fired
    for (_, a), (_, b) in zip(closed.neurons(), trains.neurons()):
        assert torch.allclose(a.bias, b.bias, atol=1e-5) and bool(a.bias.ne(0).any())
