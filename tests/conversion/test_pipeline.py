"""The pipeline's named stages, and the registries their choices come from."""

import pytest
import torch

import ann2snn
from ann2snn.conversion.neurons import BIAS_SHIFT_RULES, NEURON_BUILDERS
from ann2snn.conversion.pipeline import ANN_STAGES, RECIPE_STAGES, Conversion, run_stages
from ann2snn.methods.options import BIAS_SHIFTS, FIELDS, NEURONS
from ann2snn.models import create_model
from ann2snn.models.registry import MODELS
from ann2snn.snn import NEURON_KINDS


def test_the_stages_are_the_documented_ones_in_order():
    names = [name for name, _ in (*ANN_STAGES, *RECIPE_STAGES)]
    assert names == ["trace", "canonicalise", "check", "fold", "resolve", "observe",
                     "thresholds", "replace", "assemble", "calibrate"]


def test_every_neuron_kind_has_one_name_everywhere():
    """The recipe's vocabulary, the builders and the neurons' own kind are one list."""
    assert NEURONS == tuple(NEURON_KINDS.names()) and set(NEURONS) == set(NEURON_BUILDERS)
    assert FIELDS["neuron"].choices() == list(NEURONS)
    for name in NEURON_KINDS:
        cls = NEURON_KINDS.get(name)
        assert cls.kind == name and cls.label == NEURON_KINDS.meta(name)["label"]
    assert set(BIAS_SHIFT_RULES) == set(BIAS_SHIFTS)


def test_stages_run_one_by_one_fill_the_conversion():
    torch.manual_seed(0)
    model = create_model("small_cnn", activation="qcfs", levels=4).eval()
    c = run_stages(ANN_STAGES, Conversion(model))
    assert c.snn is None and len(c.sites) == 3 and c.bn_folded == 3
    c.recipe, c.steps = ann2snn.get_method("qcfs"), 4
    for name, stage in RECIPE_STAGES:
        stage(c)
        if name == "thresholds":  # θ = λ of each QCFS site
            assert {n: float(t) for n, t in c.thresholds.items()} == pytest.approx(
                {s.name: s.lam for s in c.sites})
    x = torch.rand(2, *MODELS.meta("small_cnn")["input_shape"])
    assert torch.equal(c.snn(x, 4), ann2snn.convert(model, "qcfs")(x, 4))
