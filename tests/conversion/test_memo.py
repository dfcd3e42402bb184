"""Conversions sharing a memo (conversion/memo.py) compute what they compute without it."""

import pytest
import torch

import ann2snn
from ann2snn.batches import replayed
from ann2snn.conversion.converter import convert_prepared, prepare_ann
from ann2snn.conversion.memo import ConversionMemo, memo_for
from ann2snn.methods import get_method

from conftest import labelled_batches

STATE = ("threshold", "v0", "bias", "step_bias")


def _layers(snn):
    return {(name, a): getattr(n, a, None) for name, n in snn.neurons() for a in STATE}


def _convert(prep, model, method, calib, steps, memo=None, **options):
    return convert_prepared(prep, model, get_method(method, **options), calib, steps=steps,
                            calib_batches=None, device=torch.device("cpu"), memo=memo)


def test_shared_thresholds_and_base_states_equal_fresh_conversions():
    model, data = labelled_batches(128)
    prep = prepare_ann(model)
    calib = replayed(data)
    memo = ConversionMemo(calib, prep)
    order = [("snnc-light", {}), ("ftbc", {"iterations": 2}), ("opi", {}), ("rts", {})]
    for steps in (2, 4):
        for method, options in order:
            shared = _convert(prep, model, method, calib, steps, memo, **options)
            if method == "ftbc":  # its base's pass is remembered, its own is new
                assert shared.info.calibration["snnc-bias"]["reused"] is True
                assert "reused" not in shared.info.calibration["ftbc"]
            alone = _convert(prep, model, method, replayed(data), steps, None, **options)
            for key, value in _layers(alone).items():
                other = _layers(shared)[key]
                assert (value is None) == (other is None), (method, steps, key)
                if value is not None:
                    assert torch.equal(value, other), (method, steps, key)
    # per T and site: ftbc reuses snnc-light's mse θ, rts opi's percentile θ (and at T = 4
    # that of T = 2, as opi does); per T, ftbc starts from snnc-light's calibrated state
    sites = len(prep.sites)
    assert memo.hits == 2 * (sites + 1) + sites + 2 * sites
    again = _convert(prep, model, "ftbc", calib, 4, memo, iterations=2)  # all remembered
    assert again.info.calibration["ftbc"]["reused"] is True
    again = _convert(prep, model, "ftbc", calib, 4, memo, iterations=2, holdout=0)
    assert "reused" not in again.info.calibration["ftbc"]  # holdout=0: another ftbc pass
    fresh = _convert(prep, model, "ftbc", replayed(data), 4, None, iterations=2, holdout=0)
    biases = [(a.step_bias, b.step_bias) for (_, a), (_, b) in zip(again.neurons(), fresh.neurons())]
    assert any(a is not None for a, _ in biases)
    assert all(a is b is None or torch.equal(a, b) for a, b in biases)

def test_a_memo_belongs_to_one_calibration_source_and_one_prepared_ann():
    model, data = labelled_batches(32)
    prep, calib = prepare_ann(model), replayed(data)
    cache: dict = {}
    memo = memo_for(cache, calib, prep)
    assert memo_for(cache, calib, prep) is memo
    assert memo_for(cache, replayed(data), prep) is not memo
    assert memo_for(cache, calib, prepare_ann(model)) is not memo
    assert memo_for(None, None, prep) is None
    with pytest.raises(ValueError, match="other calibration data"):
        _convert(prep, model, "opi", replayed(data), None, memo)


def test_compare_reuses_and_reports_equal_accuracies():
    model, data = labelled_batches(160)
    test, calib = data[:2], data[2:]
    methods = ["snnc-light", "ftbc"]
    together = ann2snn.compare(model, test, [2, 4], calib, methods=methods,
                               method_options={"ftbc": {"iterations": 1}}, costs=False)
    ftbc = ann2snn.evaluate(model, test, [2, 4], "ftbc", calib, iterations=1, costs=False)
    report = together["reports"][1]
    assert [r["accuracy"] for r in report["snn"]] == [r["accuracy"] for r in ftbc["snn"]]
    assert report["calibration"]["4"]["snnc-bias"]["reused"] is True
