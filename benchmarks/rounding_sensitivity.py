"""How far one float32 rounding moves a calibrated method: the shared ResNet-20 converted with
its calibration images as they are and scaled by 1 ± 2^-23 (one unit in the last place), each
evaluated on the 932 shared test images. Prints JSON: correct images per T for each nudge.

    python benchmarks/rounding_sensitivity.py --method snnc-light --timesteps 1,2,4,8
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from torch.utils.data import DataLoader

import ann2snn
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.models import create_model, load_weights, with_normalization

SHARED = Path(__file__).resolve().parents[2] / "shared"


class Nudged:
    """Calibration batches with every image scaled by ``1 + eps`` (plain and fresh passes)."""

    def __init__(self, batches: SeededBatches, eps: float):
        self.batches, self.eps = batches, eps

    def __iter__(self):
        return ((x * (1 + self.eps), y) for x, y in self.batches)

    def __len__(self) -> int:
        return len(self.batches)

    def fresh(self, *args, **kwargs):
        return ((x * (1 + self.eps), y) for x, y in self.batches.fresh(*args, **kwargs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="snnc-light")
    parser.add_argument("--timesteps", default="1,2,4,8")
    args = parser.parse_args()
    if not (SHARED / "models").exists() or not (SHARED / "data").exists():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return 0
    steps = [int(t) for t in args.timesteps.split(",")]
    model = with_normalization(load_weights(create_model("resnet20"),
                                            SHARED / "models" / "resnet20-12fca82f.th"),
                               NORMALIZATIONS["imagenet"]).eval()
    data = SHARED / "data" / "cifar-10-subset"
    train = load_dataset("cifar10", data, "train", augment=True)
    test = load_dataset("cifar10", data, "test")
    correct = {}
    for eps in (0.0, 2.0 ** -23, -2.0 ** -23):
        report = ann2snn.evaluate(model, DataLoader(test, batch_size=128), steps, args.method,
                                  Nudged(SeededBatches(train, 128, 0), eps), dataset="cifar10",
                                  model_name="resnet20", costs=False)
        correct[f"{eps:+.3g}"] = {r["T"]: round(r["accuracy"] * len(test)) for r in report["snn"]}
    print(json.dumps({"method": args.method, "images": len(test), "correct": correct}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
