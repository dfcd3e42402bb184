"""A user's option is applied or refused, never dropped (issue 8, section 3)."""

import pytest
import torch

import ann2snn
from ann2snn import MethodError, Recipe, get_method
from ann2snn.methods.options import flagged
from ann2snn.models import create_model

from conftest import labelled_batches


@pytest.fixture
def qcfs_net():
    torch.manual_seed(0)
    return create_model("small_cnn", activation="qcfs", levels=4, lam=1.5).eval()


@pytest.fixture
def relu_data():
    return labelled_batches(96)


def test_v0_is_applied_to_tpp_and_refused_by_errorfree(qcfs_net):
    snn = ann2snn.convert(qcfs_net, "tpp", timesteps=4, v0=0.25)
    for _, n in snn.neurons():
        assert float(n.v0) == pytest.approx(0.25 * 1.5)
    default = ann2snn.convert(qcfs_net, "tpp", timesteps=4, tpp_g="floor")
    assert all(float(n.v0) == pytest.approx(0.75) for _, n in default.neurons())
    qcfs15 = create_model("small_cnn", activation="qcfs", levels=15, lam=1.5).eval()
    with pytest.raises(MethodError, match="would ignore v0"):
        ann2snn.convert(qcfs15, "errorfree", timesteps=4, v0=0.5)


def test_calib_batches_is_ftbcs_B_unless_batches_is_given(relu_data):
    model, data = relu_data
    snn = ann2snn.convert(model, "ftbc", calib=data, timesteps=2, calib_batches=2,
                          iterations=1, holdout=1)
    assert snn.info.calibration["ftbc"]["batches"] == 2
    snn = ann2snn.convert(model, "ftbc", calib=data, timesteps=2, calib_batches=2, batches=3,
                          iterations=1, holdout=1)
    assert snn.info.calibration["ftbc"]["batches"] == 3


def test_options_that_would_change_nothing_are_refused(qcfs_net, relu_data):
    model, data = relu_data
    x = torch.rand(4, 1, 8, 8)
    with pytest.raises(MethodError, match="would ignore per_channel.*one number per layer"):
        ann2snn.convert(qcfs_net, "qcfs", per_channel=True)
    with pytest.raises(MethodError, match="would ignore calib_batches"):
        ann2snn.convert(qcfs_net, "qcfs", calib=[x], calib_batches=3)
    with pytest.raises(MethodError, match="would ignore percentile"):
        ann2snn.convert(model, "rate", calib=data, percentile=99.0)
    with pytest.raises(MethodError, match="would ignore tpp_g"):
        ann2snn.convert(model, "robust", calib=data, tpp_g="floor")
    with pytest.raises(MethodError, match="would ignore seed"):
        ann2snn.convert(model, "robust", calib=data, seed=3)
    # the same options where they do apply: applied, as the recipe and the neurons show
    snn = ann2snn.convert(model, "robust", calib=data, per_channel=True, percentile=99.0)
    assert snn.info.recipe.percentile == 99.0 and snn.info.recipe.per_channel
    assert all(n.threshold.dim() == 1 and n.threshold.numel() > 1 for _, n in snn.neurons())
    default = ann2snn.convert(model, "robust", calib=data, per_channel=True)
    assert not torch.equal(snn.neurons()[0][1].threshold, default.neurons()[0][1].threshold)
    snn = ann2snn.convert(qcfs_net, "qcfs", seed=3, permute="layer")
    assert snn.info.recipe.seed == 3 and snn.info.recipe.permute == "layer"


@pytest.mark.parametrize("options, message", [
    ({"percentile": float("nan")}, "percentile must be a finite number"),
    ({"percentile": 250}, "percentile must be > 0 and <= 100"),
    ({"v0": float("inf")}, "v0 must be a finite number"),
    ({"seed": -1}, "seed must be an integer from 0 to"),
    ({"per_channel": "yes"}, "per_channel must be True or False"),
    ({"threshold": "median"}, "threshold must be one of"),
])
def test_option_values_are_checked_where_they_enter(options, message):
    with pytest.raises(MethodError, match=message):
        ann2snn.get_method("robust", **options)


def test_ftbc_leaves_the_callers_random_state_alone(relu_data):
    model, data = relu_data
    torch.manual_seed(123)
    before = torch.get_rng_state()
    ann2snn.convert(model, "ftbc", calib=data, timesteps=2, iterations=1, batches=2, holdout=1)
    assert torch.equal(torch.get_rng_state(), before)


def test_a_shuffled_calibration_loader_gives_the_same_report_twice(relu_data):
    from torch.utils.data import DataLoader, TensorDataset

    model, data = relu_data
    x = torch.cat([b[0] for b in data])
    y = torch.cat([b[1] for b in data])
    calib = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    test = DataLoader(TensorDataset(x, y), batch_size=32)
    first = ann2snn.evaluate(model, test, [1, 2, 4], "snnc-light", calib, calib_batches=2)
    torch.rand(5)  # the global stream moves on between the two evaluations
    second = ann2snn.evaluate(model, test, [1, 2, 4], "snnc-light", calib, calib_batches=2)
    assert first["snn"] == second["snn"]
    biases = [ann2snn.convert(model, "snnc-light", calib, timesteps=2, calib_batches=2)
              .neurons()[0][1].bias for _ in range(2)]
    assert torch.equal(*biases)


def test_replayed_batches_are_read_once_and_repeat_exactly(relu_data):
    from ann2snn.batches import ReplayBatches

    _, data = relu_data
    seen = []

    def source():
        for i, batch in enumerate(data):
            seen.append(i)
            yield batch

    replay = ReplayBatches(source())
    a = [b[0] for b in replay][:3]
    b = [b[0] for _, b in zip(range(3), replay)]
    assert all(torch.equal(u, v) for u, v in zip(a, b)) and seen == list(range(len(data)))


def test_every_T_of_one_evaluation_calibrates_on_the_same_batches(relu_data):
    """A one-pass loader (a generator) would give T = 4 other batches than T = 2: evaluating
    both in one call must equal evaluating each alone on the same batches."""
    model, data = relu_data
    both = ann2snn.evaluate(model, data[:2], [2, 4], "snnc-light", (b for b in data[2:]),
                            calib_batches=2)
    for row in both["snn"]:
        alone = ann2snn.evaluate(model, data[:2], [row["T"]], "snnc-light", data[2:],
                                 calib_batches=2)
        assert alone["snn"][0]["accuracy"] == row["accuracy"]
        assert alone["snn"][0]["spikes_per_neuron"] == row["spikes_per_neuron"]


@pytest.mark.parametrize("option", [o for o in flagged() if not o.is_switch and o.choices() is None],
                         ids=lambda o: o.flag)
@pytest.mark.parametrize("zero", ["0", "0.0"])
def test_every_method_flag_at_zero_is_applied_or_refused_never_dropped(option, zero, capsys):
    """``--ftbc-holdout 0`` once vanished because ``0 == False``."""
    from ann2snn.cli import build_parser
    from ann2snn.cli.options import method_options

    argv = ["evaluate", "--model", "small_cnn", "--dataset", "digits", option.flag, zero]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # out of the option's range: refused by its own check
        assert exc.code == 2 and f"argument {option.flag}:" in capsys.readouterr().err
        return
    value = method_options(args)[option.name]
    assert value == 0 and not isinstance(value, bool)


def test_a_recipe_gets_its_calibration_parameters_declared_defaults():
    """``Recipe(calibration=("ftbc",))`` once raised KeyError: 'eta'; and the preset's
    ``fresh`` was read with another default than it declared."""
    from ann2snn.methods.options import param_options, pass_params

    recipe = Recipe("mine", "", calibration=("ftbc",))
    assert recipe.params == {p: param_options()[p].default for p in pass_params()["ftbc"]}
    assert get_method("ftbc").params["fresh"] is True
    assert get_method("ftbc", eta=0.25).params["eta"] == 0.25


def test_a_new_calibration_pass_declares_its_parameters_once(monkeypatch, qcfs_net, relu_data):
    """A pass registered with its own parameter class: its options are the recipe's
    (checked where they enter) and it receives them typed; nothing else is edited."""
    from dataclasses import dataclass

    from ann2snn.calibration.registry import CALIBRATIONS, register_calibration
    from ann2snn.options import integer, option_field

    monkeypatch.setattr(CALIBRATIONS, "_entries", dict(CALIBRATIONS._entries))
    monkeypatch.setattr(CALIBRATIONS, "_meta", dict(CALIBRATIONS._meta))

    @dataclass(frozen=True)
    class Scale:
        factor: int = option_field(2, "how much to scale θ", integer(1))

    seen = []

    @register_calibration("scale-theta", Scale)
    def scale_theta(snn, ann, recipe, params, data, *, steps, calib_batches, device):
        seen.append(params)
        for _, neuron in snn.neurons():
            neuron.threshold = neuron.threshold * params.factor

    recipe = Recipe("scaled", "", threshold="lambda", calibration=("scale-theta",))
    assert recipe.params == {"factor": 2} and "factor" in recipe.option_names()
    with pytest.raises(ann2snn.OptionError, match="factor must be an integer >= 1"):
        recipe.with_options(factor=0)
    plain = ann2snn.convert(qcfs_net, Recipe("plain", "", threshold="lambda"), timesteps=4)
    snn = ann2snn.convert(qcfs_net, recipe.with_options(factor=3), relu_data, timesteps=4)
    assert seen == [Scale(3)]
    assert torch.equal(snn.neurons()[0][1].threshold, 3 * plain.neurons()[0][1].threshold)
    with pytest.raises(ann2snn.OptionError, match="unknown calibration pass 'nope'"):
        Recipe("bad", "", calibration=("nope",))
