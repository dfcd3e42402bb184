"""Every conversion preset on the shared ResNet-20 and the 932 lossless CIFAR-10 test images.

Calibrates on the shared training images only (pass 0 plain, FTBC's fresh batches with the
standard augmentation); FTBC on both ReLU bases (snnc-light, mse-shift) with K fresh-batch
iterations. Prints a JSON list of reports (the report format of `ann2snn evaluate`) and,
with --markdown, a table. Run from the project root:

    .venv/bin/python benchmarks/methods.py --markdown docs/results-methods.md > methods.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

import ann2snn
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.errors import MethodError
from ann2snn.models import create_model, load_weights, with_normalization
from ann2snn.report import format_table

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: presets (and option sets) benchmarked on a ReLU network; qcfs/errorfree need QCFS training
CONFIGS = [
    ("rate", {}), ("robust", {}), ("opi", {}), ("rts", {}), ("mse-shift", {}),
    ("snnc-light", {}), ("snnc-advanced", {}),
    ("ftbc", {"base": "snnc-light"}), ("ftbc", {"base": "mse-shift"}),
    ("robust", {"permute": "layer"}), ("opi", {"permute": "layer"}),
    ("tpp", {"base": "snnc-light"}), ("tpp", {"base": "snnc-light", "tpp_g": "rate"}),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", default="1,2,4,8,16,32")
    parser.add_argument("--methods", help="comma-separated preset names (default: all configs)")
    parser.add_argument("--limit", type=int, help="first N test images only")
    parser.add_argument("--calib-batches", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=100, help="FTBC's K (100)")
    parser.add_argument("--markdown", help="also write a markdown table to this path")
    parser.add_argument("--json", help="also write the reports here, after every preset")
    args = parser.parse_args()
    weights = SHARED / "models" / "resnet20-12fca82f.th"
    data = SHARED / "data" / "cifar-10-subset"
    if not weights.exists() or not data.exists():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return 0
    torch.manual_seed(0)
    steps = [int(t) for t in args.timesteps.split(",")]
    model = with_normalization(load_weights(create_model("resnet20"), weights),
                               NORMALIZATIONS["imagenet"]).eval()
    train = load_dataset("cifar10", data, "train", augment=True)
    test = load_dataset("cifar10", data, "test")
    if args.limit:
        test = torch.utils.data.Subset(test, range(args.limit))
    test_loader = DataLoader(test, batch_size=256)
    wanted = set(args.methods.split(",")) if args.methods else None
    reports = []
    for method, options in CONFIGS:
        if wanted and method not in wanted:
            continue
        calib = SeededBatches(train, 128, seed=0)  # the same batches for every preset and T
        if method == "ftbc":
            options = {**options, "iterations": args.iterations}
        started = time.perf_counter()
        try:
            report = ann2snn.evaluate(model, test_loader, steps, method, calib,
                                      calib_batches=args.calib_batches, dataset="cifar10",
                                      model_name="resnet20", **options)
        except MethodError as exc:
            print(f"{method} {options}: {exc}", file=sys.stderr)
            continue
        label = method + "".join(f" {k}={v}" for k, v in options.items() if k != "iterations")
        report["method"] = label
        report["seconds"]["total"] = round(time.perf_counter() - started, 1)
        reports.append(report)
        accs = " ".join(f"{r['T']}:{r['accuracy']:.4f}" for r in report["snn"])
        calib_s = " ".join(f"{t}:{sum(c.get('seconds', 0) for c in v.values()):.0f}s"
                           for t, v in report.get("calibration", {}).items())
        if args.json:
            Path(args.json).write_text(json.dumps(reports, indent=1) + "\n")
        print(f"{label}: ANN {report['ann']['accuracy']:.4f} | {accs} | "
              f"{report['seconds']['total']} s | calibration {calib_s}", file=sys.stderr, flush=True)
    print(json.dumps(reports, indent=1))
    if args.markdown:
        Path(args.markdown).write_text(format_table(reports, steps) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
