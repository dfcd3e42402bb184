import itertools

import pytest
import torch

import ann2snn
from ann2snn import MethodError

from conftest import labelled_batches


@pytest.fixture
def net_and_data():
    return labelled_batches(64)


def _first_layer_gap(snn, model, x, steps, signed=False):
    """Per-channel |E[snn] - E[ann]| (or E[snn] - E[ann]) of the first spiking layer."""
    from ann2snn.conversion.converter import prepare_ann

    prep = prepare_ann(model)
    gm, sites = prep.gm, prep.sites
    acts = {}
    gm.get_submodule(f"acts.{sites[0].name}").register_forward_hook(lambda m, i, o: acts.update(a=o))
    gm(x)
    outs = {}
    snn.neurons()[0][1].register_forward_hook(lambda m, i, o: outs.update(s=o))
    snn(x, steps, chunk=0)
    s = outs["s"].reshape(steps, x.shape[0], *outs["s"].shape[1:])
    gap = s.mean(dim=(0, 1, 3, 4)) - acts["a"].mean(dim=(0, 2, 3))
    return gap if signed else gap.abs()


def test_snnc_light_removes_the_first_layers_mean_error(net_and_data):
    model, data = net_and_data
    x = torch.cat([b[0] for b in data])
    plain = ann2snn.convert(model, "snnc-light", calib=data, timesteps=4, calibration=())
    light = ann2snn.convert(model, "snnc-light", calib=data, timesteps=4)
    before, after = _first_layer_gap(plain, model, x, 4), _first_layer_gap(light, model, x, 4)
    assert after.mean() < 0.5 * before.mean()
    assert light.neurons()[0][1].bias.shape == (8,)
    # the first layer sees the analog image: its update is b = -(E[snn] - E[ann]) exactly
    one = ann2snn.convert(model, "snnc-light", calib=data[:1], timesteps=4, calib_batches=1)
    bare = ann2snn.convert(model, "snnc-light", calib=data[:1], timesteps=4, calib_batches=1,
                           calibration=())
    expected = -_first_layer_gap(bare, model, data[0][0], 4, signed=True)
    assert torch.allclose(one.neurons()[0][1].bias, expected, atol=1e-6)


def test_snnc_advanced_sets_per_neuron_potentials_that_cut_the_error(net_and_data, tmp_path):
    model, data = net_and_data
    x = torch.cat([b[0] for b in data])
    plain = ann2snn.convert(model, "snnc-advanced", calib=data, timesteps=4, calibration=())
    snn = ann2snn.convert(model, "snnc-advanced", calib=data, timesteps=4)
    assert snn.neurons()[0][1].v0.shape == (8, 8, 8)
    before, after = _first_layer_gap(plain, model, x, 4), _first_layer_gap(snn, model, x, 4)
    assert after.mean() < 0.5 * before.mean()
    path = tmp_path / "adv.safetensors"  # per-neuron v0 survives a save/load round trip
    ann2snn.save_snn(snn, path)
    again = ann2snn.load_snn(path, model)
    assert torch.equal(again.neurons()[0][1].v0, snn.neurons()[0][1].v0)
    assert torch.equal(again(x, 4), snn(x, 4))


def test_ftbc_biases_are_per_step_and_channel_and_reload_identically(net_and_data, tmp_path):
    model, data = net_and_data
    snn = ann2snn.convert(model, "ftbc", calib=data, timesteps=4, base="snnc-light",
                          iterations=2, batches=2, holdout=2)
    info = snn.info.calibration["ftbc"]
    assert info["snn_passes"] == 2 * 2 + 3 * 2 and len(info["holdout_accuracy"]) == 3
    x = torch.rand(8, 3, 8, 8)
    snn = ann2snn.convert(model, "ftbc", calib=data, timesteps=4, base="snnc-light",
                          iterations=2, batches=2, holdout=0)  # no holdout: the last iteration
    assert snn.info.calibration["ftbc"]["chosen_iteration"] == 2
    for _, neuron in snn.neurons():
        assert neuron.step_bias.shape == (4, neuron.step_bias.shape[1])
        assert neuron.step_bias.abs().sum() > 0
    assert snn.neurons()[0][1].step_bias.shape == (4, 8)
    with pytest.raises(MethodError, match="per-step biases for T <= 4, but runs T = 8"):
        snn(x, 8)
    path = tmp_path / "snn.safetensors"
    ann2snn.save_snn(snn, path)
    again = ann2snn.load_snn(path, model)
    assert torch.equal(again(x, 4), snn(x, 4))


def test_ftbc_keeps_the_best_held_out_iteration(net_and_data):
    """The kept biases are those of the first iteration with the best held-out accuracy,
    and that accuracy is the kept network's own on the held-out batch."""
    model, data = net_and_data
    kept = ann2snn.convert(model, "ftbc", calib=data, timesteps=4, base="snnc-light",
                           iterations=4, batches=2, holdout=1, fresh=False)
    info = kept.info.calibration["ftbc"]
    scores = info["holdout_accuracy"]
    assert len(scores) == 5 and info["chosen_iteration"] == scores.index(max(scores))
    x, y = data[2]  # fresh=False: B = 2 calibration batches, then the held-out one
    assert float((kept(x, 4).mean(0).argmax(1) == y).float().mean()) == pytest.approx(max(scores))
    again = ann2snn.convert(model, "ftbc", calib=data, timesteps=4, base="snnc-light",
                            iterations=info["chosen_iteration"], batches=2, holdout=1, fresh=False)
    for (_, a), (_, b) in zip(kept.neurons(), again.neurons()):
        if b.step_bias is None:  # iteration 0 kept: no bias was ever applied
            assert a.step_bias is None or not a.step_bias.any()
        else:
            assert torch.equal(a.step_bias, b.step_bias)
    assert torch.equal(kept(x, 4), again(x, 4))


def test_ftbc_update_moves_step_outputs_towards_the_ann():
    from ann2snn.calibration.ftbc import ftbc_update
    from ann2snn.snn import IFNeuron

    torch.manual_seed(0)
    neuron = IFNeuron(torch.tensor([1.0, 1.0]), 0.0)
    currents = torch.rand(4, 32, 2) * 0.5  # [T, B, C]
    ann = currents.mean(0)  # what the ANN computes from the same input
    def err():
        neuron.set_time(4, 32)
        out = neuron(currents.reshape(128, 2)).reshape(4, 32, 2)
        return float((out.mean(dim=(1,)) - ann.mean(0)).abs().mean())
    before = err()
    for _ in range(5):
        ftbc_update(neuron, currents, ann, eta=0.5)
    assert neuron.step_bias.shape == (4, 2) and err() < before


def test_ftbc_without_data_or_labels_is_refused(net_and_data):
    model, data = net_and_data
    with pytest.raises(MethodError, match="needs calibration data"):
        ann2snn.convert(model, "ftbc", timesteps=4)
    with pytest.raises(MethodError, match=r"\(x, y\) pairs"):
        ann2snn.convert(model, "ftbc", calib=[b[0] for b in data], timesteps=4, batches=1)


def test_load_snn_rejects_a_missing_or_foreign_file(tmp_path, net_and_data):
    model, _ = net_and_data
    with pytest.raises(ann2snn.WeightsError, match="does not exist"):
        ann2snn.load_snn(tmp_path / "none.safetensors", model)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"garbage")
    with pytest.raises(ann2snn.WeightsError, match="cannot read"):
        ann2snn.load_snn(bad, model)


@pytest.mark.parametrize("base, chunk_samples", [("opi", 10**6), ("snnc-light", 10**6),
                                                 ("opi", 1), ("snnc-light", 1)])
def test_layer_local_ftbc_equals_rerunning_the_whole_network(net_and_data, base, chunk_samples,
                                                             monkeypatch):
    """One SNN pass per batch finds the biases of N·T whole-network runs (the official
    schedule, benchmarks/ftbc_reference.py), on a base with and without constant biases;
    with the pass run in one chunk of T steps and in chunks of one step (state carried)."""
    import copy
    import importlib.util
    from pathlib import Path

    from ann2snn.conversion.converter import prepare_ann

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "ftbc_reference.py"
    spec = importlib.util.spec_from_file_location("ftbc_reference", path)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    model, data = net_and_data
    batches = [x for x, _ in data[:2]]
    monkeypatch.setattr(ann2snn.SpikingNetwork, "chunk_samples", chunk_samples)
    ours = ann2snn.convert(model, "ftbc", calib=data, timesteps=4, base=base, iterations=2,
                           batches=2, holdout=0, calib_batches=2, fresh=False)
    slow = copy.deepcopy(ann2snn.convert(model, base, calib=data, timesteps=4, calib_batches=2))
    reference.ftbc_reference(slow, prepare_ann(model).gm, batches, 4, eta=0.5, iterations=2)
    for (name, a), (_, b) in zip(ours.neurons(), slow.neurons()):
        assert torch.equal(a.step_bias, b.step_bias), name


def _recording(monkeypatch):
    """Spy on the batches each FTBC sweep reads."""
    from ann2snn.calibration import ftbc as ftbc_module

    seen = []
    original = ftbc_module.layerwise_pass

    def spy(snn, ann, x, *args, **kwargs):
        seen.append(x.clone())
        return original(snn, ann, x, *args, **kwargs)
    monkeypatch.setattr(ftbc_module, "layerwise_pass", spy)
    return seen


def test_ftbc_reads_fresh_batches_every_iteration_and_same_seed_same_biases(monkeypatch):
    from torch.utils.data import TensorDataset

    from ann2snn.data import SeededBatches
    from ann2snn.data.registry import TransformedDataset

    model, data = labelled_batches(96)
    x = torch.cat([b[0] for b in data])
    y = torch.cat([b[1] for b in data])
    augmented = TransformedDataset(TensorDataset(x, y), lambda x, generator=None: x.flip(-1)
                                   if torch.rand((), generator=generator) < 0.5 else x)
    seen = _recording(monkeypatch)
    options = dict(timesteps=4, base="snnc-light", iterations=3, batches=2, holdout=0)
    first = ann2snn.convert(model, "ftbc", SeededBatches(augmented, 16, seed=1), **options)
    assert first.info.calibration["ftbc"]["fresh"] is True
    ftbc_batches = seen[-6:]  # 3 iterations x 2 batches (SNNC read the first ones before)
    assert all(not torch.equal(a, b) for a, b in itertools.combinations(ftbc_batches, 2))
    same = ann2snn.convert(model, "ftbc", SeededBatches(augmented, 16, seed=1), **options)
    other = ann2snn.convert(model, "ftbc", SeededBatches(augmented, 16, seed=2), **options)
    pairs = list(zip(first.neurons(), same.neurons(), other.neurons()))
    assert all(torch.equal(a.step_bias, b.step_bias) for (_, a), (_, b), _ in pairs)
    assert not all(torch.equal(a.step_bias, c.step_bias) for (_, a), _, (_, c) in pairs)
    seen.clear()
    ann2snn.convert(model, "ftbc", data, **options, fresh=False)  # the same 2 batches, 3 times
    assert all(torch.equal(a, b) for a, b in zip(seen[-6:-4], seen[-2:]))


def test_ftbc_refuses_too_few_held_out_batches():
    model, data = labelled_batches(32)  # 2 batches
    with pytest.raises(MethodError, match="ftbc needs 4 batches of calibration data and got 2"):
        ann2snn.convert(model, "ftbc", data, timesteps=4, base="snnc-light")
