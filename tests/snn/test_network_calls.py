"""API misuse gets one clear line: convert() of a non-module, snn(x, T) with a bad x or T."""

import pytest
import torch

import ann2snn
from ann2snn import Ann2SnnError, ConversionError


@pytest.fixture(scope="module")
def snn():
    torch.manual_seed(0)
    model = ann2snn.create_model("small_cnn").eval()
    return ann2snn.convert(model, "robust", calib=[torch.rand(4, 1, 8, 8)])


def test_convert_of_a_non_module_is_refused():
    with pytest.raises(ConversionError, match="must be a torch.nn.Module, got str"):
        ann2snn.convert("x")


@pytest.mark.parametrize("x, steps, message", [
    (torch.rand(2, 3, 8, 8), 4, r"x has shape \[2, 3, 8, 8\], but the network was converted for "
                                r"inputs \[B, 1, 8, 8\]"),
    (torch.rand(8), 4, r"floating-point tensor \[B, 1, 8, 8\], got shape \[8\]"),
    (torch.ones(2, 1, 8, 8, dtype=torch.long), 4, "floating-point tensor"),
    ([1, 2], 4, "got list"),
    (torch.rand(2, 1, 8, 8), "abc", "T must be a positive integer, got 'abc'"),
    (torch.rand(2, 1, 8, 8), 0, "T must be a positive integer, got 0"),
    (torch.rand(2, 1, 8, 8), True, "T must be a positive integer, got True"),
    (torch.rand(2, 1, 8, 8), None, "give the number of time steps T"),
])
def test_bad_calls_get_the_expected_shape(snn, x, steps, message):
    with pytest.raises(Ann2SnnError, match=message):
        snn(x, steps)


def test_a_network_converted_without_data_names_the_mismatch():
    qcfs = ann2snn.create_model("small_cnn", activation="qcfs", lam=1.0).eval()
    snn = ann2snn.convert(qcfs, "qcfs")
    with pytest.raises(Ann2SnnError, match=r"input of shape \[2, 3, 8, 8\] does not fit"):
        snn(torch.rand(2, 3, 8, 8), 4)


def test_a_simulation_too_large_for_memory_is_refused_before_it_runs(snn):
    with pytest.raises(Ann2SnnError, match=r"simulating T = 10000000000 steps of 2 samples"):
        snn(torch.rand(2, 1, 8, 8), 10**10)


@pytest.mark.parametrize("method", ["opi", "rts", "tpp"])
def test_no_host_synchronisation_per_step(tiny_resnet, method, monkeypatch):
    """The CUDA path stays asynchronous: reading a tensor on the host (item, bool, float,
    tolist, cpu, numpy) happens a fixed number of times per run, never once per step."""
    x = torch.rand(4, 3, 8, 8)
    snn = ann2snn.convert(tiny_resnet, method, calib=[x], timesteps=16)
    reads = []
    for name in ("item", "__bool__", "__float__", "__int__", "tolist", "cpu", "numpy"):
        original = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, lambda self, *a, _o=original, _n=name, **k:
                            (reads.append(_n), _o(self, *a, **k))[1])
    counts = []
    for steps in (4, 16):
        reads.clear()
        snn(x, steps, chunk=1)
        counts.append(len(reads))
    assert counts[0] == counts[1], counts
