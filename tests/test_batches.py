"""The one adapter from user data to checked batches; non-finite data refused where it enters."""

import pytest
import torch
from torch import nn

import ann2snn
from ann2snn import DataError, MethodError
from ann2snn.batches import iterate_batches

from conftest import TinyResNet, randomize_bn


def test_tensors_pairs_and_loaders_become_checked_batches():
    x, y = torch.rand(4, 3), torch.arange(4)
    assert [b[1] for b in iterate_batches([x], "d")] == [None]
    assert torch.equal(next(iterate_batches([(x, y)], "d", labels=True))[1], y)
    with pytest.raises(DataError, match="must be an iterable of batches"):
        list(iterate_batches(x, "calibration data"))
    with pytest.raises(DataError, match="batch 1 must hold a floating-point tensor"):
        list(iterate_batches([x, torch.ones(4, 3, dtype=torch.long)], "d"))
    with pytest.raises(DataError, match="one integer label per sample"):
        list(iterate_batches([x], "evaluation data", labels=True))
    with pytest.raises(DataError, match="is empty"):
        list(iterate_batches([], "d"))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_inputs_are_refused_with_the_batch(bad):
    torch.manual_seed(0)
    model = randomize_bn(TinyResNet())
    good = torch.rand(4, 3, 8, 8)
    poisoned = good.clone()
    poisoned[1, 0, 2, 2] = bad
    labels = torch.zeros(4, dtype=torch.long)
    kind = "NaN" if bad != bad else "infinite"
    with pytest.raises(DataError, match=f"evaluation data: batch 1 has {kind} input values"):
        ann2snn.evaluate(model, [(good, labels), (poisoned, labels)], [2], "robust", calib=[good])
    with pytest.raises(DataError, match=f"calibration data: batch 0 has {kind}"):
        ann2snn.convert(model, "robust", calib=[poisoned])


def test_overflowing_calibration_activations_name_the_layer():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)).eval()
    with torch.no_grad():
        model[0].weight.fill_(3e38)
    with pytest.raises(MethodError, match="activations of layer '_1' \\(nn.ReLU '1'\\) are NaN or infinite"):
        ann2snn.convert(model, "robust", calib=[torch.ones(8, 4)])


def test_non_finite_weights_are_refused_by_convert_and_evaluate():
    model = randomize_bn(TinyResNet())
    model.c1.weight.data[0, 0, 0, 0] = float("inf")
    with pytest.raises(ann2snn.WeightsError, match="'c1.weight'"):
        ann2snn.convert(model, "robust", calib=[torch.rand(2, 3, 8, 8)])
