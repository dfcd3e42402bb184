"""Reproduction on CIFAR-10: fine-tune the shared ResNet-20 into QCFS networks, convert them.

1. Fine-tune the shared ReLU ResNet-20 (λ started from data) into QCFS networks with L = 4
   and L = 15 (= 2^4 - 1, for errorfree at T = 4) on the shared JPEG CIFAR-10 training set
   (``ann2snn train``'s trainer: SGD, cosine, crop + flip, checkpoints; a finished run is
   reused, an interrupted one resumed).
2. ANN accuracy on all 10,000 JPEG test images; the claims at T = 4 (qcfs on the L = 4
   network, errorfree on the L = 15 one) on all 10,000 too.
3. Every preset at T = 1, 2, 4, 8, 16, 32 on an evenly spaced ``--test-limit`` of the test
   images (1,000 by default: 100 per class), calibrated on training images only.

Writes JSON, a markdown table and a plot. From the project root (about 40 min here):

    .venv/bin/python benchmarks/reproduce_cifar10.py --out runs/reproduce \
        --json docs/results-cifar10.json --markdown docs/results-cifar10.md \
        --plot docs/cifar10-accuracy.png
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from ann2snn.data import SeededBatches, evenly_spaced, load_dataset
from ann2snn.demo import evaluate_where_applicable
from ann2snn.methods import list_methods
from ann2snn.models.checkpoint import STATE_FILE
from ann2snn.report import format_table
from ann2snn.training import TrainConfig, load_checkpoint, train

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
STEPS = [1, 2, 4, 8, 16, 32]
#: departures from the presets' defaults, to keep the run near its budget
OPTIONS = {"ftbc": {"iterations": 4}}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fine_tune(levels: int, args) -> tuple[torch.nn.Module, dict]:
    out = Path(args.out) / f"resnet20-qcfs{levels}"
    cfg = TrainConfig(model="resnet20", dataset="imagefolder", data=str(args.data),
                      weights=str(args.weights), activation="qcfs", levels=levels,
                      epochs=args.epochs, lr=args.lr, batch_size=128, out=str(out), seed=0,
                      resume=(out / STATE_FILE).exists(), progress=sys.stderr.isatty(),
                      command=" ".join(sys.argv))
    started = time.perf_counter()
    train(cfg, log=log)
    log(f"L={levels}: trained/checked in {time.perf_counter() - started:.0f} s")
    return load_checkpoint(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=SHARED / "data" / "cifar10-jpeg.tar.gz")
    parser.add_argument("--weights", default=SHARED / "models" / "resnet20-12fca82f.th")
    parser.add_argument("--out", default="runs/reproduce", help="checkpoint folders")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--test-limit", type=int, default=1000,
                        help="test images for the preset sweep (0: all 10,000)")
    parser.add_argument("--calib-batches", type=int, default=5)
    parser.add_argument("--methods", help="comma-separated presets (default: all)")
    parser.add_argument("--only", choices=["claims", "sweep"],
                        help="run one part; the other part of an existing --json is kept")
    parser.add_argument("--json"), parser.add_argument("--markdown"), parser.add_argument("--plot")
    args = parser.parse_args()
    if not Path(args.data).exists() or not Path(args.weights).exists():
        print(json.dumps({"skipped": f"{args.data} or {args.weights} is absent"}))
        return 0
    torch.manual_seed(0)
    test_full = load_dataset("imagefolder", args.data, "test")
    train_plain = load_dataset("imagefolder", args.data, "train")
    calib = SeededBatches(train_plain, 128, seed=0)  # the same batches for every conversion
    full = DataLoader(test_full, batch_size=256)
    sweep = DataLoader(evenly_spaced(test_full, args.test_limit), batch_size=256)
    common = {"calib_batches": args.calib_batches, "dataset": "cifar10-jpeg"}

    old = json.loads(Path(args.json).read_text()) if args.json and Path(args.json).exists() else {}
    result = {"command": " ".join(sys.argv), "test_images": len(test_full),
              "sweep_images": len(sweep.dataset), "epochs": args.epochs, "lr": args.lr,
              "options": OPTIONS, "networks": {}, "claims": {}, "sweep": []}
    nets = {}
    for levels in (4, 15):
        net, meta = fine_tune(levels, args)
        nets[levels] = net
        result["networks"][f"qcfs{levels}"] = {"history": meta["history"],
                                               "checkpoint": str(Path(args.out) / f"resnet20-qcfs{levels}")}
    if args.only != "sweep":
        run_claims(nets, full, calib, common, result)
    else:
        result["claims"] = old.get("claims", {})
    result["sweep"] = old.get("sweep", []) if args.only or args.methods else []
    if args.only != "claims":
        run_sweep(nets, sweep, calib, common, args, result)
    table = format_table(result["sweep"], STEPS)
    print(json.dumps(result, indent=2))
    log(table)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    if args.plot:
        plot(result["sweep"], args.plot)
    return 0


@torch.no_grad()
def errorfree_agreement(net: torch.nn.Module, data: DataLoader, calib: SeededBatches) -> dict:
    """errorfree at T = 4 against its L = 15 ANN in float64: differing predictions, max |Δ|."""
    from ann2snn import convert
    from ann2snn.snn.network import decode

    net = net.double()
    snn = convert(net, "errorfree", ((x.double(), y) for x, y in calib), timesteps=4,
                  calib_batches=1)
    differ, inexact, gap, total = 0, 0, 0.0, 0
    for x, _ in data:
        ann, out = net(x.double()), decode(snn(x.double(), 4))[-1]
        differ += int((ann.argmax(-1) != out.argmax(-1)).sum())
        per_image = (ann - out).abs().amax(-1)
        inexact += int((per_image > 1e-9).sum())
        gap, total = max(gap, float(per_image.max())), total + len(x)
    net.float()
    return {"images": total, "differing_predictions": differ,
            "images_with_logit_difference_above_1e-9": inexact, "max_abs_logit_difference": gap}


def run_claims(nets, full, calib, common, result) -> None:
    started = time.perf_counter()
    for levels, method, options in ((4, "qcfs", {}), (15, "errorfree", {}), (15, "qcfs", {}),
                                    (4, "tpp", {"tpp_g": "floor"})):
        report = evaluate_where_applicable(nets[levels], full, [4], method, calib, log=log,
                                           model_name=f"resnet20-qcfs{levels}", **common, **options)
        name = f"{method}-L{levels}" + "".join(f"-{v}" for v in options.values())
        result["claims"][name] = report
        log(f"claim {name}: ANN {report['ann']['accuracy']:.4f}, T=4 {report['snn'][0]['accuracy']:.4f}")
    agreement = errorfree_agreement(nets[15], full, calib)
    result["claims"]["errorfree-L15-float64"] = agreement
    log(f"errorfree vs ANN in float64: {agreement}")
    log(f"claims in {time.perf_counter() - started:.0f} s")


def sweep_configs() -> list[tuple[int, str, dict]]:
    """(L, preset, options): every preset on the L = 4 network (errorfree on L = 15), and TPP
    with both spike budgets."""
    configs = [(15 if m == "errorfree" else 4, m, dict(OPTIONS.get(m, {}))) for m in list_methods()]
    return configs + [(4, "tpp", {"tpp_g": "floor"})]


def run_sweep(nets, sweep, calib, common, args, result) -> None:
    """Evaluates the configs (those of ``--methods`` only); replaces their old entries."""
    wanted = set(args.methods.split(",")) if args.methods else None
    for levels, method, options in sweep_configs():
        if wanted is not None and method not in wanted:
            continue
        started = time.perf_counter()
        report = evaluate_where_applicable(nets[levels], sweep, STEPS, method, calib, log=log,
                                           model_name=f"resnet20-qcfs{levels}", **common, **options)
        if report is None:
            continue
        key = (report["model"], report["method"], json.dumps(report["options"], sort_keys=True))
        result["sweep"] = [r for r in result["sweep"] if
                           (r["model"], r["method"], json.dumps(r["options"], sort_keys=True)) != key]
        result["sweep"].append(report)
        log(f"{method} {options} (L={levels}): " + ", ".join(
            f"T={r['T']} {r['accuracy']:.4f}" for r in report["snn"])
            + f"  [{time.perf_counter() - started:.0f} s]")


def plot(reports: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.8))
    colours, markers = plt.cm.tab20.colors, "osD^v<>pXh*"
    for i, r in enumerate(reports):
        steps = [row["T"] for row in r["snn"]]
        g = f" g={r['options']['tpp_g']}" if "tpp_g" in r["options"] else ""
        ax.plot(steps, [100 * row["accuracy"] for row in r["snn"]], marker=markers[i % len(markers)],
                color=colours[(2 * i) % 20 + (2 * i) // 20],
                label=f"{r['method']}{g} ({r['model'].split('-')[-1]})")
    ann = reports[0]["ann"]["accuracy"] * 100
    ax.axhline(ann, color="k", linestyle="--", linewidth=1, label=f"ANN qcfs4 ({ann:.1f})")
    ax.set_xscale("log", base=2)
    ax.set_xticks(STEPS, [str(t) for t in STEPS])
    ax.set_xlabel("time steps T")
    ax.set_ylabel("top-1 accuracy (%)")
    ax.set_title("ResNet-20 on JPEG CIFAR-10: SNN accuracy against T")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")


if __name__ == "__main__":
    raise SystemExit(main())
