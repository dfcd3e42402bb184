"""One declaration per option (issue 19, section 1): the API's defaults, the command line's
and the checks come from one place; options are applied or refused, never swallowed; a
user's typo is an error, never "does not apply"."""

import pytest
import torch
from torch import nn

import ann2snn
from ann2snn import MethodError, OptionError
from ann2snn.cli import build_parser, main
from ann2snn.models import create_model
from ann2snn.training.config import OPTIONS, TrainConfig

from conftest import labelled_batches


def _subparser(name):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sub.choices[name]


def test_train_defaults_are_the_configs():
    defaults = {a.dest: a.default for a in _subparser("train")._actions}
    cfg = TrainConfig(model="x")
    for name in OPTIONS:
        assert defaults[name] == getattr(cfg, name), name
    assert cfg.device is None  # CUDA when available, as the command line


def test_an_activation_refuses_options_it_does_not_take():
    with pytest.raises(OptionError, match="activation 'relu' takes no option: levels"):
        create_model("small_cnn", activation="relu", levels=8)
    with pytest.raises(OptionError, match="activation 'clip' takes only lam: levels"):
        create_model("small_cnn", activation="clip", levels=8)
    with pytest.raises(OptionError, match="levels must be an integer >= 1"):
        create_model("small_cnn", activation="qcfs", levels=0)
    assert create_model("small_cnn", activation="qcfs", levels=8).features[2].levels == 8


def test_a_typo_is_raised_by_compare_not_skipped():
    model, data = labelled_batches(32)
    with pytest.raises(OptionError, match="percentile must be > 0 and <= 100"):
        ann2snn.compare(model, data[:1], [1], data[1:], methods=["robust", "qcfs"],
                        percentile=150)
    with pytest.raises(OptionError, match="has no option 'percentil'"):
        ann2snn.evaluate(model, data[:1], [1, 2], "snnc-light", data[1:],
                         skip_inapplicable=True, percentil=99)
    result = ann2snn.compare(model, data[:1], [1], data[1:], methods=["robust", "qcfs"])
    assert "qcfs" in result["skipped"] and issubclass(OptionError, MethodError)


def test_relu_weights_are_not_evaluated_as_qcfs_with_untrained_clips(tmp_path, capsys):
    torch.manual_seed(0)
    weights = tmp_path / "relu.pt"
    torch.save(create_model("small_cnn").state_dict(), weights)
    code = main(["evaluate", "--model", "small_cnn", "--weights", str(weights), "--dataset",
                 "digits", "--normalize", "digits", "--activation", "qcfs", "--timesteps", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "hold no λ (a ReLU network's weights)" in err


def test_a_layer_that_never_fires_is_recorded_not_silently_given_theta_one():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(256, 10)).eval()
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every activation is 0
    x = torch.rand(8, 1, 8, 8)
    snn = ann2snn.convert(model, "robust", [x])
    assert snn.info.silent == {"_1": "layer"} and "never fired" in snn.summary()
    report = ann2snn.evaluate(model, [(x, torch.zeros(8, dtype=torch.long))], [1], "robust", [x])
    assert report["silent"] == {"all": {"_1": "layer"}}
    with torch.no_grad():
        model[0].bias.zero_()
    assert ann2snn.convert(model, "robust", [x]).info.silent == {}


def test_an_unknown_free_memory_is_said_not_silently_skipped(monkeypatch):
    import ann2snn.snn.memory as memory

    model, data = labelled_batches(32)
    report = ann2snn.evaluate(model, data[:1], [1], "robust", data[1:])
    assert report["memory_check"].startswith("about") and "GiB free" in report["memory_check"]
    monkeypatch.setattr(memory, "available_bytes", lambda device: None)
    report = ann2snn.evaluate(model, data[:1], [1], "robust", data[1:])
    assert report["memory_check"].startswith("skipped: the free memory of cpu is unknown")


def test_every_registry_refuses_a_second_registration_and_names_what_it_knows():
    from ann2snn.calibration.registry import CALIBRATIONS
    from ann2snn.data.registry import DATASETS
    from ann2snn.errors import DataError
    from ann2snn.methods.registry import METHODS
    from ann2snn.models.registry import MODELS

    for registry, name, error in ((METHODS, "robust", OptionError), (MODELS, "resnet20", Exception),
                                  (DATASETS, "digits", DataError),
                                  (CALIBRATIONS, "ftbc", OptionError)):
        with pytest.raises(ValueError, match="is already registered"):
            registry.add(name, registry.get(name))
        with pytest.raises(error, match=f"unknown {registry.what} 'nope'; known: .*{name}"):
            registry.get("nope")
    assert all(MODELS.meta(n)["input_shape"] for n in MODELS.names())
