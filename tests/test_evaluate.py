import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import ann2snn

from conftest import TinyResNet, randomize_bn


def test_report_contract_and_single_run_equals_per_T_runs():
    torch.manual_seed(0)
    model = randomize_bn(TinyResNet())
    x = torch.rand(40, 3, 8, 8)
    y = model(x).argmax(1)
    y[::4] = (y[::4] + 1) % 5  # every fourth label wrong: the ANN scores 30 / 40
    data = DataLoader(TensorDataset(x, y), batch_size=16)
    report = ann2snn.evaluate(model, data, [4, 1, 2], "robust", calib=[x], dataset="toy")
    assert set(report) >= {"method", "dataset", "model", "ann", "snn", "seconds", "versions"}
    assert report["ann"]["accuracy"] == 0.75 and report["samples"] == 40
    assert [row["T"] for row in report["snn"]] == [1, 2, 4]
    assert set(report["seconds"]) >= {"ann", "snn"}
    snn = ann2snn.convert(model, "robust", calib=[x])
    for row in report["snn"]:  # one run to max(T) gives what a run of exactly T gives
        pred = snn(x, row["T"]).mean(0).argmax(1)
        assert row["accuracy"] == pytest.approx(float((pred == y).float().mean()))


def test_evaluate_rejects_bad_timesteps_and_empty_data():
    model = randomize_bn(TinyResNet())
    data = [(torch.rand(2, 3, 8, 8), torch.zeros(2, dtype=torch.long))]
    with pytest.raises(ann2snn.Ann2SnnError, match="positive integer"):
        ann2snn.evaluate(model, data, [0, 2], "rate", calib=data)
    with pytest.raises(ann2snn.Ann2SnnError, match="empty"):
        ann2snn.evaluate(model, [], [2], "rate", calib=data)
