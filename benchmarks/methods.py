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

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: presets (and option sets) benchmarked on a ReLU network; qcfs/errorfree need QCFS training
CONFIGS = [
    ("rate", {}), ("robust", {}), ("opi", {}), ("rts", {}), ("mse-shift", {}),
    ("snnc-light", {}), ("snnc-advanced", {}),
    ("ftbc", {"base": "snnc-light"}), ("ftbc", {"base": "mse-shift"}),
    ("robust", {"permute": "layer"}), ("opi", {"permute": "layer"}),
    ("tpp", {"base": "snnc-light"}), ("tpp", {"base": "snnc-light", "tpp_g": "rate"}),
    ("mt", {}), ("dc", {}), ("dcgs", {}), ("dcgs", {"mt_thresholds": 8}),
]


def accuracy_table(reports: list[dict], steps: list[int]) -> str:
    """Top-1 % per preset and T, and the seconds of the whole evaluation (every T)."""
    rows = ["| method | ANN | " + " | ".join(f"T={t}" for t in steps) + " | seconds |",
            "|---|---|" + "---|" * len(steps) + "---|"]
    for report in reports:
        accs = {r["T"]: r["accuracy"] for r in report["snn"]}
        cells = " | ".join(f"{100 * accs[t]:.2f}" if t in accs else "-" for t in steps)
        rows.append(f"| {report['method']} | {100 * report['ann']['accuracy']:.2f} | {cells} | "
                    f"{report['seconds'].get('total', '-')} |")
    return "\n".join(rows)


def ftbc_table(reports: list[dict]) -> str:
    """FTBC's calibration per base and T: seconds, cost in ANN passes, the iteration kept and
    its held-out (training) accuracy against none and the last."""
    rows = ["| method | T | seconds | ANN passes per step | kept iteration | held-out % (kept / "
            "none / last) |", "|---|---|---|---|---|---|"]
    for report in reports:
        for steps, passes in report.get("calibration", {}).items():
            if "ftbc" not in passes:
                continue
            f, h = passes["ftbc"], passes["ftbc"]["holdout_accuracy"]
            kept = h[f["chosen_iteration"]] if h and h[0] is not None else None
            held = "-" if kept is None else f"{100 * kept:.2f} / {100 * h[0]:.2f} / {100 * h[-1]:.2f}"
            rows.append(f"| {report['method']} | {steps} | {f['seconds']:.0f} | "
                        f"{f['ann_passes_per_step']} | {f['chosen_iteration']} of "
                        f"{f['iterations']} | {held} |")
    return "\n".join(rows)


def run(args, steps: list[int]) -> list[dict]:
    """Every configured preset (or those of --methods), one report each."""
    weights = SHARED / "models" / "resnet20-12fca82f.th"
    data = SHARED / "data" / "cifar-10-subset"
    torch.manual_seed(0)
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
        report["method"] = method + "".join(f" {k}={v}" for k, v in options.items()
                                            if k != "iterations")
        report["seconds"]["total"] = round(time.perf_counter() - started, 1)
        reports.append(report)
        if args.json:
            Path(args.json).write_text(json.dumps(reports, indent=1) + "\n")
        accs = " ".join(f"{r['T']}:{r['accuracy']:.4f}" for r in report["snn"])
        print(f"{report['method']}: ANN {report['ann']['accuracy']:.4f} | {accs} | "
              f"{report['seconds']['total']} s", file=sys.stderr, flush=True)
    return reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", default="1,2,4,8,16,32")
    parser.add_argument("--methods", help="comma-separated preset names (default: all configs)")
    parser.add_argument("--limit", type=int, help="first N test images only")
    parser.add_argument("--calib-batches", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=100, help="FTBC's K (100)")
    parser.add_argument("--markdown", help="also write the tables (markdown) to this path")
    parser.add_argument("--json", help="also write the reports here, after every preset")
    parser.add_argument("--render", help="write --markdown from this JSON of reports; run nothing")
    args = parser.parse_args()
    steps = [int(t) for t in args.timesteps.split(",")]
    if args.render:
        reports = json.loads(Path(args.render).read_text())
    elif not (SHARED / "models").exists() or not (SHARED / "data").exists():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return 0
    else:
        reports = run(args, steps)
        print(json.dumps(reports, indent=1))
    if args.markdown:
        Path(args.markdown).write_text(f"{accuracy_table(reports, steps)}\n\n"
                                       f"{ftbc_table(reports)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
