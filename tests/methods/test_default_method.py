"""The default method, auto, is chosen by the network's activations."""

import pytest
import torch

import ann2snn
from ann2snn.methods.compose import auto_method
from ann2snn.methods.options import DEFAULT_METHOD


def test_the_rule():
    assert DEFAULT_METHOD == "auto"
    assert auto_method({"relu"}) == "dcgs" and auto_method({"relu", "qcfs"}) == "dcgs"
    assert auto_method({"qcfs"}) == "qcfs" and auto_method({"clip"}) == "opi"
    assert auto_method({"clip", "qcfs"}) == "opi"


@pytest.mark.parametrize("activation, levels, expected", [("relu", None, "dcgs"),
                                                          ("qcfs", 4, "qcfs"),
                                                          ("clip", None, "opi")])
def test_evaluate_and_convert_pick_it(activation, levels, expected):
    torch.manual_seed(0)
    extra = {"levels": levels} if levels else {}
    model = ann2snn.create_model("small_cnn", activation=activation, **extra).eval()
    x = torch.rand(8, 1, 8, 8)
    report = ann2snn.evaluate(model, [(x, torch.arange(8) % 10)], [2], calib=[x])
    assert report["method"] == expected
    snn = ann2snn.convert(model, calib=[x], timesteps=2)
    assert snn.method == expected


def test_auto_still_checks_the_options_of_the_method_it_picks():
    model = ann2snn.create_model("small_cnn").eval()
    x = torch.rand(8, 1, 8, 8)
    with pytest.raises(ann2snn.OptionError, match="has no option 'nope'"):
        ann2snn.convert(model, calib=[x], timesteps=2, nope=1)
