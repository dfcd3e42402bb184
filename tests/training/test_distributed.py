"""``torchrun --nproc_per_node=2`` on CPU (gloo): training runs, evaluation equals one process's."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def run(args, tmp_path, procs=None):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                f"--nproc_per_node={procs}", "-m", "ann2snn"] if procs else [sys.executable, "-m", "ann2snn"]
    proc = subprocess.run([*launcher, *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_two_processes_train_and_evaluate_like_one(tmp_path):
    out = tmp_path / "run"
    train = run(["train", "--model", "small_cnn", "--dataset", "digits", "--epochs", "2",
                 "--batch-size", "64", "--lr", "0.05", "--out", str(out), "--no-progress"],
                tmp_path, procs=2)
    meta = json.loads((out / "model.json").read_text())
    assert [h["epoch"] for h in meta["history"]] == [1, 2]
    assert meta["history"][-1]["test_accuracy"] > 0.5, train.stderr
    reports = {}
    for procs in (2, None):
        path = tmp_path / f"eval-{procs}.json"
        run(["evaluate", "--checkpoint", str(out), "--method", "qcfs", "--timesteps", "1,2,4",
             "--json", str(path)], tmp_path, procs=procs)
        reports[procs] = json.loads(path.read_text())
    two, one = reports[2], reports[None]
    assert two["samples"] == one["samples"] == 450
    assert two["ann"]["accuracy"] == one["ann"]["accuracy"]
    assert two["snn"] == one["snn"]
