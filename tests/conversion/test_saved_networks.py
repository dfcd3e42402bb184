"""Saved spiking networks are self-contained: reloaded with no ANN object, every preset gives
identical outputs (same seeds for the random ones)."""

import pytest
import torch

import ann2snn
from ann2snn import Ann2SnnError, WeightsError
from ann2snn.models import with_normalization

PRESETS = {  # preset -> (activation, levels, options)
    "rate": ("relu", None, {}), "robust": ("relu", None, {}), "opi": ("clip", None, {}),
    "rts": ("relu", None, {"timesteps": 4}), "mse-shift": ("relu", None, {"timesteps": 4}),
    "snnc-light": ("relu", None, {"timesteps": 4}),
    "snnc-advanced": ("relu", None, {"timesteps": 4}), "qcfs": ("qcfs", 4, {}),
    "ftbc": ("relu", None, {"timesteps": 4, "iterations": 2, "holdout": 1, "batches": 1}),
    "tpp": ("qcfs", 4, {"timesteps": 4}), "errorfree": ("qcfs", 15, {"timesteps": 4}),
    "mt": ("relu", None, {"timesteps": 4, "mt_thresholds": 3}),
    "dc": ("relu", None, {}), "dcgs": ("relu", None, {"t_max": 4}),
}


def test_every_registered_preset_is_listed():
    assert set(PRESETS) == set(ann2snn.list_methods())


@pytest.mark.parametrize("method", sorted(PRESETS))
def test_reloaded_without_the_ann_every_preset_is_identical(method, tmp_path):
    activation, levels, options = PRESETS[method]
    torch.manual_seed(0)
    extra = {"levels": levels} if levels else {}
    model = with_normalization(ann2snn.create_model("small_cnn", activation=activation, **extra),
                               ((0.5,), (0.25,))).eval()
    x = torch.rand(8, 1, 8, 8)
    data = [(x, torch.arange(8) % 10), (x.flip(0), torch.arange(8) % 10)]
    snn = ann2snn.convert(model, method, calib=data, **options)
    path = tmp_path / "snn.safetensors"
    ann2snn.save_snn(snn, path)
    again = ann2snn.load_snn(path)
    assert again.info.architecture == snn.info.architecture
    assert again.info.architecture["model_options"] == extra
    steps = options.get("timesteps", 4)
    snn.seed(3)
    again.seed(3)
    assert torch.equal(again(x, steps), snn(x, steps))
    assert ann2snn.load_snn(path, "small_cnn").info.recipe == snn.info.recipe
    for (name, a), (_, b) in zip(snn.neurons(), again.neurons()):  # θ, v0, biases, step biases
        assert (a.coding, a.t_max) == (b.coding, b.t_max), name
        for key in ("threshold", "v0", "bias", "step_bias"):
            mine, theirs = getattr(a, key, None), getattr(b, key, None)
            assert (mine is None) == (theirs is None), (name, key)
            if mine is not None:
                assert torch.equal(torch.as_tensor(mine), torch.as_tensor(theirs)), (name, key)


def test_a_model_object_ann2snn_did_not_build_must_be_given_again(tmp_path):
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 6 * 6, 10)).eval()
    x = torch.rand(4, 1, 8, 8)
    path = tmp_path / "snn.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[x]), path)
    with pytest.raises(WeightsError, match="does not record its architecture: pass the ANN"):
        ann2snn.load_snn(path)
    assert torch.equal(ann2snn.load_snn(path, model)(x, 3), ann2snn.convert(model, "robust", calib=[x])(x, 3))


def test_a_model_name_must_match_the_file(tmp_path):
    model = ann2snn.create_model("small_cnn").eval()
    path = tmp_path / "snn.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[torch.rand(4, 1, 8, 8)]), path)
    with pytest.raises(WeightsError, match="holds a conversion of 'small_cnn', not 'resnet20'"):
        ann2snn.load_snn(path, "resnet20")
    with pytest.raises(Ann2SnnError, match="model must be an nn.Module or a model name"):
        ann2snn.load_snn(path, 3)


@pytest.mark.parametrize("activation", ["relu", "clip", "qcfs"])
def test_the_file_carries_its_ann(activation, tmp_path):
    """load_ann rebuilds the (BN-folded) ANN from the file alone, λ included."""
    torch.manual_seed(0)
    extra = {"levels": 4} if activation == "qcfs" else {}
    model = ann2snn.create_model("small_cnn", activation=activation, **extra).eval()
    lams = [p for p in model.parameters() if p.numel() == 1]  # λ of ClipReLU / QCFS
    for p in lams:
        p.data.uniform_(0.5, 3.0)  # away from the initial value
    x = torch.rand(8, 1, 8, 8)
    path = tmp_path / "snn.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, {"relu": "robust"}.get(activation, "opi"),
                                     calib=[x]), path)
    ann = ann2snn.load_ann(path)
    assert torch.allclose(ann(x), model(x), atol=1e-5)  # BN folding rounds
    loaded = sorted(float(v) for k, v in ann.state_dict().items()
                    if k.startswith("acts.") and v.numel() == 1)
    assert loaded == sorted(float(p.detach()) for p in lams) and (activation == "relu") == (not lams)
