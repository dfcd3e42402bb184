"""The demo's promises: real data, trained here, measured."""

import pytest

from ann2snn.demo import run_demo


@pytest.fixture(scope="module")
def reports():
    return run_demo(log=lambda *a: None)


def _acc(reports, model, method, steps):
    report = next(r for r in reports if r["model"] == model and r["method"] == method)
    return {row["T"]: row["accuracy"] for row in report["snn"]}[steps], report["ann"]["accuracy"]


def test_relu_ann_scores_at_least_95(reports):
    _, ann = _acc(reports, "small_cnn-relu", "rate", 1)
    assert ann >= 0.95


def test_qcfs_at_T8_within_002_of_its_ann(reports):
    snn, ann = _acc(reports, "small_cnn-qcfs4", "qcfs", 8)
    assert abs(snn - ann) <= 0.02


def test_opi_beats_rate_at_T4(reports):
    opi, _ = _acc(reports, "small_cnn-relu", "opi", 4)
    rate, _ = _acc(reports, "small_cnn-relu", "rate", 4)
    assert opi > rate


def test_qcfs_is_skipped_for_the_relu_network(reports):
    assert not any(r["model"] == "small_cnn-relu" and r["method"] == "qcfs" for r in reports)


def test_errorfree_equals_its_ann_at_its_T(reports):
    snn, ann = _acc(reports, "small_cnn-qcfs15", "errorfree", 4)
    assert snn == ann


def test_bit_sparsity_lowers_errorfree_spikes_at_equal_accuracy(reports):
    plain = next(r for r in reports if r["model"] == "small_cnn-qcfs15" and r["method"] == "errorfree")
    sparse = next(r for r in reports if r["model"] == "small_cnn-qcfs15-sparse")
    a, b = plain["snn"][0], sparse["snn"][0]
    assert a["T"] == b["T"] == 4
    assert b["spikes_per_neuron"] < 0.5 * a["spikes_per_neuron"]
    assert abs(b["accuracy"] - a["accuracy"]) <= 0.01 and b["accuracy"] == sparse["ann"]["accuracy"]
    assert b["energy_uj"] < a["energy_uj"]


def test_every_registered_method_is_in_the_table(reports):
    from ann2snn.methods import list_methods

    assert {r["method"] for r in reports} == set(list_methods())
