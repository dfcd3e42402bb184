"""One FTBC calibration to max(T) serves every T (docs/methods.md#ftbc): the same biases,
held-out accuracies and kept iterations as calibrating to each T alone."""

import pytest
import torch

import ann2snn
from ann2snn.conversion.converter import convert_prepared_over_T, prepare_ann, serves_every_T
from ann2snn.graph.sites import replace_relu_sites
from ann2snn.methods import get_method

from conftest import labelled_batches

OPTIONS = {"iterations": 4, "batches": 2, "holdout": 2}
STEPS = [1, 2, 4, 8]


@pytest.fixture(scope="module")
def clip_net_and_data():
    """A ClipReLU TinyResNet (λ = 1: FTBC's base is opi, θ = λ) and labelled batches."""
    model, data = labelled_batches(128)
    return replace_relu_sites(model, "clip", lam=1.0).eval(), data


def _same_biases(a, b) -> bool:
    return all((p.step_bias is None) == (q.step_bias is None)
               and (p.step_bias is None or torch.equal(p.step_bias, q.step_bias))
               for (_, p), (_, q) in zip(a.neurons(), b.neurons()))


def test_one_calibration_gives_every_t_what_calibrating_to_t_alone_gives(clip_net_and_data):
    model, data = clip_net_and_data
    shared = convert_prepared_over_T(prepare_ann(model), model, get_method("ftbc", **OPTIONS),
                                     data, STEPS, calib_batches=None, device=torch.device("cpu"))
    x = torch.cat([b[0] for b in data])
    kept = set()
    for t in STEPS:
        alone = ann2snn.convert(model, "ftbc", calib=data, timesteps=t, **OPTIONS)
        mine, theirs = shared[t].info.calibration["ftbc"], alone.info.calibration["ftbc"]
        assert shared[t].info.timesteps == t
        assert mine["holdout_accuracy"] == theirs["holdout_accuracy"]
        assert mine["chosen_iteration"] == theirs["chosen_iteration"]
        assert mine["shared_by"] == STEPS and mine["calibrated_to"] == 8
        assert _same_biases(shared[t], alone), t
        assert torch.equal(shared[t](x, t), alone(x, t))
        kept.add(mine["chosen_iteration"])
    assert len(kept) > 1  # the T keep different iterations: the choice is made per T


def test_evaluate_calibrates_once_with_the_accuracies_of_one_calibration_per_t(clip_net_and_data):
    model, data = clip_net_and_data
    once = ann2snn.evaluate(model, data, STEPS, "ftbc", calib=data, costs=False, **OPTIONS)
    assert [once["calibration"][str(t)]["ftbc"]["shared_by"] for t in STEPS] == [STEPS] * 4
    for row in once["snn"]:
        alone = ann2snn.evaluate(model, data, [row["T"]], "ftbc", calib=data, costs=False,
                                 **OPTIONS)
        assert alone["snn"][0]["accuracy"] == row["accuracy"]
        assert "shared_by" not in alone["calibration"][str(row["T"])]["ftbc"]


def test_only_a_recipe_whose_rest_is_independent_of_t_shares_its_calibration(clip_net_and_data):
    clip, _ = clip_net_and_data
    relu, _ = labelled_batches(16)
    clip_prep, relu_prep = prepare_ann(clip), prepare_ann(relu)
    assert serves_every_T(clip_prep, get_method("ftbc"))  # base opi: θ = λ, v0 = θ/2
    assert serves_every_T(relu_prep, get_method("ftbc", base="opi"))  # percentile θ
    assert not serves_every_T(relu_prep, get_method("ftbc"))  # base snnc-light: MSE θ per T
    assert not serves_every_T(clip_prep, get_method("ftbc", base="rts"))  # shift θ/(2T)
    assert not serves_every_T(clip_prep, get_method("ftbc", permute="layer"))
    assert not serves_every_T(clip_prep, get_method("snnc-light"))  # its pass reads all T


def test_a_network_of_the_shared_calibration_saves_and_reloads_identically(clip_net_and_data,
                                                                           tmp_path):
    model, data = clip_net_and_data
    nets = convert_prepared_over_T(prepare_ann(model), model, get_method("ftbc", **OPTIONS),
                                   data, [2, 4], calib_batches=None, device=torch.device("cpu"))
    path = tmp_path / "t2.safetensors"
    ann2snn.save_snn(nets[2], path)
    again = ann2snn.load_snn(path, model)
    x = data[0][0]
    assert again.info.timesteps == 2  # (a saved file keeps no calibration record)
    assert torch.equal(again(x, 2), nets[2](x, 2))
    with pytest.raises(ann2snn.MethodError, match="converted for T = 2"):
        ann2snn.evaluate(model, data, [4], snn=again)
