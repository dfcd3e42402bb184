"""Fan-out through pooling, counted by hand."""

import torch
from torch import nn

import ann2snn
from ann2snn.costs.fanout import analyse


def _fanout(body: nn.Module, channels: int = 2):
    model = nn.Sequential(nn.Conv2d(1, channels, 1), ann2snn.ClipReLU(1.0), body).eval()
    snn = ann2snn.convert(model, "opi")
    fan = analyse(snn, torch.rand(1, 1, 4, 4))
    name = snn.neurons()[0][0]
    return fan.synapses[name], fan.routing[name]


def test_global_average_pool_then_linear():
    synapses, routing = _fanout(nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 5)))
    assert torch.equal(routing, torch.ones(2, 4, 4)) and torch.equal(synapses, torch.full((2, 4, 4), 5.0))


def test_padded_average_pool_counts_every_window_a_neuron_is_in():
    synapses, routing = _fanout(nn.Sequential(
        nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False), nn.Conv2d(2, 3, 1)))
    windows = torch.tensor([[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]], dtype=torch.float32)
    assert torch.equal(routing, windows.expand(2, 4, 4))
    assert torch.equal(synapses, 3 * windows.expand(2, 4, 4))  # each window reaches 3 channels


def test_zero_weights_are_not_synapses():
    conv = nn.Conv2d(2, 2, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[1.0, 0.0], [2.0, 3.0]]).view(2, 2, 1, 1))
    synapses, routing = _fanout(conv)
    assert torch.equal(synapses[0], torch.full((4, 4), 2.0)) and torch.equal(synapses[1], torch.ones(4, 4))
    assert routing.sum() == 0
