import torch

from ann2snn.snn import IFNeuron


def test_per_channel_thresholds_and_constant_input_broadcast():
    neuron = IFNeuron(torch.tensor([1.0, 2.0]), v0=torch.tensor([0.5, 1.0]))
    neuron.set_time(4, batch=1)
    x = torch.full((1, 2, 3, 3), 0.75)  # constant over time: [B, ...]
    out = neuron(x).reshape(4, 1, 2, 3, 3)
    counts = (out / torch.tensor([1.0, 2.0]).view(1, 1, 2, 1, 1)).sum(0)
    # channel 0: floor((4·0.75 + 0.5)/1) = 3; channel 1: floor((3 + 1)/2) = 2
    assert counts[0, 0].unique().tolist() == [3.0]
    assert counts[0, 1].unique().tolist() == [2.0]


def test_state_dict_roundtrip_with_step_bias():
    neuron = IFNeuron(torch.tensor([1.0, 2.0]), 0.0, step_bias=torch.randn(3, 2))
    fresh = IFNeuron(torch.tensor(1.0), 0.0)
    fresh.load_state_dict(neuron.state_dict())
    assert torch.equal(fresh.step_bias, neuron.step_bias)
    assert torch.equal(fresh.threshold, neuron.threshold)


def test_time_chunked_run_equals_one_chunk(tiny_resnet):
    import ann2snn

    x = torch.rand(4, 3, 8, 8)
    snn = ann2snn.convert(tiny_resnet, "opi", calib=[x])
    whole = snn(x, 13, chunk=0)
    for chunk in (1, 3, 5):
        assert torch.allclose(snn(x, 13, chunk=chunk), whole, atol=1e-5)  # conv rounding only
