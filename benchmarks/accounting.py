"""Overhead of cost accounting: one evaluation with costs against the same without, in the
same run, interleaved (machines are noisy). Prints JSON; the target is at most 10 %.

On the shared ResNet-20 and its 932 lossless test images when ../shared is there (random
weights and images otherwise). Run alone (two torch processes on 2 cores thrash):

    .venv/bin/python benchmarks/accounting.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

import ann2snn
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.models import create_model, load_weights, with_normalization

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def setup():
    weights = SHARED / "models" / "resnet20-12fca82f.th"
    data = SHARED / "data" / "cifar-10-subset"
    model = create_model("resnet20")
    if weights.exists() and data.exists():
        model = load_weights(model, weights)
        test, train = load_dataset("cifar10", data, "test"), load_dataset("cifar10", data, "train")
        source = "shared ResNet-20, 932 CIFAR-10 test images"
    else:
        torch.manual_seed(0)
        test = TensorDataset(torch.rand(512, 3, 32, 32), torch.randint(0, 10, (512,)))
        train = test
        source = "random ResNet-20 weights, 512 random images (../shared absent)"
    model = with_normalization(model, NORMALIZATIONS["imagenet"]).eval()
    return model, DataLoader(test, batch_size=128), SeededBatches(train, 128, 0), source


def main() -> int:
    torch.manual_seed(0)
    model, test, calib, source = setup()
    results = {}
    # an IF preset swept to T = 32 in one run, and two-phase neurons run per T
    for method, steps, options in (("robust", [1, 2, 4, 8, 16, 32], {}),
                                   ("tpp", [4, 8], {"base": "opi"})):
        times = {True: [], False: []}
        for _ in range(2):
            for costs in (False, True):
                started = time.perf_counter()
                report = ann2snn.evaluate(model, test, steps, method, calib, costs=costs, **options)
                times[costs].append(time.perf_counter() - started)
        results[method] = {"timesteps": steps, **options, "seconds_without": round(min(times[False]), 2),
                           "seconds_with": round(min(times[True]), 2),
                           "overhead": round(min(times[True]) / min(times[False]) - 1, 4),
                           "accounting_seconds_inside": report["seconds"].get("accounting")}
    print(json.dumps({"benchmark": "cost accounting overhead", "source": source,
                      "threads": torch.get_num_threads(), "target": 0.10,
                      "methods": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
