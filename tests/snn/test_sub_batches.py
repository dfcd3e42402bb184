"""Unwatched runs of many samples go in sub-batches (docs/methods.md#simulation)."""

import pytest
import torch

import ann2snn
from ann2snn.models import create_model
from ann2snn.snn.neuron import SpikeCounter

torch.manual_seed(0)
CALIB = [torch.randn(8, 3, 32, 32)]


def _split_and_whole(snn, x, steps):
    with torch.no_grad():
        split = snn(x, steps)
        snn.sub_batch = 0
        try:
            whole = snn(x, steps)
        finally:
            del snn.sub_batch  # back to the class default
    return split, whole


@pytest.mark.parametrize("method, options", [("opi", {}), ("rts", {"timesteps": 5}),
                                             ("mt", {"t_max": 5})])
def test_sub_batches_give_the_whole_batch_bit_for_bit(method, options, monkeypatch):
    monkeypatch.setattr(ann2snn.SpikingNetwork, "sub_batch", 4)
    snn = ann2snn.convert(create_model("resnet20").eval(), method, calib=CALIB, **options)
    hook = snn.net.register_forward_pre_hook(lambda _m, _args: None)
    x = torch.randn(10, 3, 32, 32)
    assert snn._splits([n for _, n in snn.neurons()], 10) is False  # hooked: whole batch
    hook.remove()
    assert snn._splits([n for _, n in snn.neurons()], 10)
    split, whole = _split_and_whole(snn, x, 5)
    assert split.shape == whole.shape == (5, 10, 10) and torch.equal(split, whole)


def test_watched_and_random_runs_are_not_split(monkeypatch):
    monkeypatch.setattr(ann2snn.SpikingNetwork, "sub_batch", 4)
    snn = ann2snn.convert(create_model("resnet20").eval(), "opi", calib=CALIB)
    neurons = [n for _, n in snn.neurons()]
    counters = SpikeCounter.attach(snn)
    assert not snn._splits(neurons, 10)
    with torch.no_grad():
        snn(torch.randn(10, 3, 32, 32), 2)
    assert all(c.samples == 10 for c in counters.values())  # one run of the whole batch
    permuted = ann2snn.convert(create_model("resnet20").eval(), "opi", calib=CALIB,
                               permute="layer")
    assert not permuted._splits([n for _, n in permuted.neurons()], 10)
