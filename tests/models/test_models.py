import pytest
import torch

import ann2snn
from ann2snn import WeightsError
from ann2snn.data import NORMALIZATIONS, load_dataset
from ann2snn.models import create_model, list_models, load_weights, with_normalization

INPUTS = {"small_cnn": (1, 8, 8)}


@pytest.mark.parametrize("name", list_models())
@pytest.mark.parametrize("activation", ["relu", "clip", "qcfs"])
def test_every_model_builds_runs_and_converts(name, activation):
    torch.manual_seed(0)
    model = create_model(name, num_classes=7, activation=activation).eval()
    x = torch.rand(2, *INPUTS.get(name, (3, 32, 32)))
    assert model(x).shape == (2, 7)
    snn = ann2snn.convert(model, "opi", calib=[x])
    assert snn(x, 2).shape == (2, 2, 7)


def test_resnet20_loads_shared_weights_and_scores_916(resnet20_weights, cifar_subset):
    model = load_weights(create_model("resnet20"), resnet20_weights)
    model = with_normalization(model, NORMALIZATIONS["imagenet"]).eval()
    test = load_dataset("cifar10", cifar_subset, "test")
    with torch.no_grad():
        pred = torch.cat([model(x).argmax(1) for x in test.tensors[0].split(256)])
    acc = float((pred == test.tensors[1]).float().mean())
    assert acc == pytest.approx(0.916, abs=0.005)


def test_weights_errors(tmp_path):
    model = create_model("resnet20")
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights(model, tmp_path / "none.th")
    bad = tmp_path / "bad.th"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(WeightsError, match="cannot read weights"):
        load_weights(model, bad)
    other = tmp_path / "other.pt"
    torch.save({"state_dict": create_model("small_cnn").state_dict()}, other)
    with pytest.raises(WeightsError, match="do not fit CifarResNet"):
        load_weights(model, other)
    wrapped = tmp_path / "wrapped.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, wrapped)
    load_weights(create_model("resnet20"), wrapped)
