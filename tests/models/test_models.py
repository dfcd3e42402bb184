import pytest
import torch

import ann2snn
from ann2snn import WeightsError
from ann2snn.data import NORMALIZATIONS, load_dataset
from ann2snn.models import create_model, list_models, load_weights, with_normalization
from ann2snn.models.registry import MODELS

USER_MODEL = """
from torch import nn

def mlp(num_classes=10, hidden=16):
    return nn.Sequential(nn.Flatten(), nn.Linear(12, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))
"""


@pytest.mark.parametrize("name", list_models())
@pytest.mark.parametrize("activation", ["relu", "clip", "qcfs"])
def test_every_model_builds_runs_and_converts(name, activation):
    torch.manual_seed(0)
    model = create_model(name, num_classes=7, activation=activation).eval()
    x = torch.rand(2, *MODELS.meta(name)["input_shape"])  # what the registry says it takes
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
    loaded = load_weights(create_model("resnet20"), wrapped)  # unwrapped, prefix stripped
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


@pytest.mark.parametrize("name, size, head", [("vgg16", 32, "cifar"), ("vgg16", 96, "imagenet"),
                                              ("resnet18", 32, "cifar"), ("resnet34", 96, "imagenet")])
def test_heads_follow_the_input_size(name, size, head):
    model = create_model(name, num_classes=5, input_size=size).eval()
    assert model(torch.rand(1, 3, size, size)).shape == (1, 5)
    if name.startswith("vgg"):
        assert model.classifier[0].in_features == 512 * (1 if head == "cifar" else 49)
    else:
        assert model.conv1.kernel_size == ((3, 3) if head == "cifar" else (7, 7))


def test_user_model_from_module_path(tmp_path, monkeypatch):
    (tmp_path / "my_models.py").write_text(USER_MODEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    model = create_model("my_models:mlp", num_classes=3, activation="qcfs", levels=4)
    acts = [m for m in model.modules() if isinstance(m, ann2snn.QCFS)]
    assert len(acts) == 1 and acts[0].levels == 4 and model.get_submodule("3").out_features == 3
    x = torch.rand(4, 12)
    snn = ann2snn.convert(model.eval(), "qcfs", calib=[x])
    assert snn(x, 3).shape == (3, 4, 3)
    with pytest.raises(ann2snn.Ann2SnnError, match="has no 'nope'"):
        create_model("my_models:nope")
    with pytest.raises(ann2snn.Ann2SnnError, match="cannot import module"):
        create_model("no_such_module_xyz:f")
