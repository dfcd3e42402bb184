"""The papers' tables on CIFAR-10, reproduced by fine-tuning the shared ReLU ResNet-20 (JSON).

1. Four networks fine-tuned from the shared ReLU ResNet-20 on the JPEG CIFAR-10 training split
   by ``ann2snn train``'s recipe (docs/methods.md#fine-tuning), the same budget each: ``relu``
   (ReLU kept: the reference ANN), ``qcfs-L4``, ``qcfs-L8``, ``qcfs-L15`` (for errorfree at
   T = 4). Checkpoints go to ``--out``/NAME (``ann2snn evaluate --checkpoint`` reads them);
   an interrupted run resumes, a finished one is reused.
2. Each network's ANN accuracy on the 10,000 JPEG test images and on the 932 lossless ones.
3. Every preset that applies, at T = 1, 2, 4, 8, 16, 32, on ``--test-limit`` evenly spaced
   JPEG test images (0: all), calibrated on training images; reports in ``ann2snn
   evaluate``'s format with ``"network"``. Each finished report is written at once, so a cut
   run continues where it stopped.

Run alone, from the project root (about 2 h 30 min here with the defaults):

    .venv/bin/python benchmarks/paper_tables.py --json docs/results-paper-tables.json \
        --markdown docs/results-paper-tables.md --plot docs/paper-tables.png
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
from ann2snn.data import SeededBatches, evenly_spaced, load_dataset
from ann2snn.errors import MethodError
from ann2snn.methods import list_methods
from ann2snn.models.checkpoint import STATE_FILE
from ann2snn.models.loading import load_network
from ann2snn.outputs import write_json
from ann2snn.training import TrainConfig, train

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paper_tables_report import markdown, plot  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
STEPS = [1, 2, 4, 8, 16, 32]
NETWORKS = {"relu": None, "qcfs-L4": 4, "qcfs-L8": 8, "qcfs-L15": 15}
#: the presets made for networks nobody trained for conversion: run on the ReLU reference
TRAINING_FREE = ("mt", "dc", "dcgs")
#: (network, presets) in the order they run, the targets first (None: every preset but the
#: training-free ones, which the ReLU reference gets)
PLAN = [("relu", []), ("qcfs-L4", None), ("qcfs-L15", ["errorfree"]), ("relu", None),
        ("relu", list(TRAINING_FREE)), ("qcfs-L8", None), ("qcfs-L15", None)]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fine_tune(name: str, args) -> dict:
    out = Path(args.out) / name
    levels = NETWORKS[name]
    cfg = TrainConfig(model="resnet20", dataset="imagefolder", data=str(args.data),
                      weights=str(args.weights), activation="relu" if levels is None else "qcfs",
                      levels=levels or 4, epochs=args.epochs, lr=args.lr, batch_size=128,
                      distill=args.distill, out=str(out), seed=args.seed,
                      resume=(out / STATE_FILE).exists(), progress=sys.stderr.isatty(),
                      command=" ".join(sys.argv))
    meta = train(cfg, log=log)
    return {"levels": levels, "epochs": len(meta["history"]),
            "seconds": round(sum(h["seconds"] for h in meta["history"]), 1),
            "checkpoint": str(out), "history": meta["history"]}


@torch.no_grad()
def ann_accuracy(model, data) -> float:
    return ann2snn.training.accuracy(model.eval(), DataLoader(data, batch_size=256))


def evaluate_network(name, model, methods, sweep, calib, result, args) -> None:
    """Every preset of ``methods`` (all: None) not yet in ``result``, one report each."""
    done = {(r["network"], r["method"]) for r in result["reports"]}
    done |= {(s[0], s[1]) for s in result["skipped"]}
    every = [m for m in list_methods() if m not in TRAINING_FREE]
    for method in every if methods is None else methods:
        if (name, method) in done or args.methods and method not in args.methods:
            continue
        started = time.perf_counter()
        try:
            report = ann2snn.evaluate(model, sweep, STEPS, method, calib, skip_inapplicable=True,
                                      calib_batches=args.calib_batches, dataset="cifar10-jpeg",
                                      model_name=f"resnet20-{name}")
        except MethodError as exc:
            result["skipped"].append([name, method, str(exc).split(";")[0]])
            log(f"{name} {method}: does not apply ({str(exc).split(';')[0]})")
            continue
        result["reports"].append({**report, "network": name})
        log(f"{name} {method}: " + ", ".join(f"T={r['T']} {r['accuracy']:.4f}"
                                             for r in report["snn"])
            + f"  [{time.perf_counter() - started:.0f} s]")
        save(result, args)


def save(result: dict, args) -> None:
    if args.json:
        write_json(result, args.json)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "cifar10-jpeg.tar.gz")
    parser.add_argument("--lossless", type=Path, default=SHARED / "data" / "cifar-10-subset")
    parser.add_argument("--weights", type=Path,
                        default=SHARED / "models" / "resnet20-12fca82f.th")
    parser.add_argument("--out", default="runs/paper-tables", help="checkpoint folders")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of every network")
    parser.add_argument("--lr", type=float, help="learning rate (default: the trainer's "
                        "fine-tuning default)")
    parser.add_argument("--distill", type=float, default=0.5,
                        help="distillation weight α, the same for every network")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-limit", type=int, default=2000,
                        help="evenly spaced JPEG test images for the presets (0: all 10,000)")
    parser.add_argument("--calib-batches", type=int, help="calibration batches (default: the "
                        "presets' own, 10 for data thresholds and 5 for calibration passes)")
    parser.add_argument("--networks", type=lambda s: s.split(","), default=list(NETWORKS))
    parser.add_argument("--methods", type=lambda s: s.split(","), help="presets (default: all)")
    parser.add_argument("--train-only", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="write --markdown and --plot from the existing --json")
    parser.add_argument("--json"), parser.add_argument("--markdown"), parser.add_argument("--plot")
    args = parser.parse_args()
    old = json.loads(Path(args.json).read_text()) if args.json and Path(args.json).exists() \
        else {}
    if args.report_only:
        return write_views(old, args)
    if not args.data.exists() or not args.weights.exists():
        print(json.dumps({"skipped": f"{args.data} or {args.weights} is absent"}))
        return 0
    result = {"command": " ".join(sys.argv), "steps": STEPS, "epochs": args.epochs,
              "lr": args.lr, "distill": args.distill, "seed": args.seed,
              "networks": old.get("networks", {}), "reports": old.get("reports", []),
              "skipped": old.get("skipped", [])}
    test_full = load_dataset("imagefolder", args.data, "test")
    lossless = load_dataset("cifar10", args.lossless, "test")
    train_plain = load_dataset("imagefolder", args.data, "train")
    sweep = DataLoader(evenly_spaced(test_full, args.test_limit) if args.test_limit
                       else test_full, batch_size=256)
    result["sweep_images"] = len(sweep.dataset)
    calib = SeededBatches(train_plain, 128, seed=0)  # the same batches for every conversion
    models = {}
    for name, methods in PLAN:
        if name not in args.networks:
            continue
        if name not in models:
            models[name] = prepare_network(name, result, test_full, lossless, args)
        if not args.train_only:
            evaluate_network(name, models[name], methods, sweep, calib, result, args)
    save(result, args)
    return write_views(result, args)


def prepare_network(name: str, result: dict, test_full, lossless, args):
    """Train (or resume, or reuse) network ``name``; its ANN accuracies; the model."""
    net = {**result["networks"].get(name, {}), **fine_tune(name, args)}
    model = load_network(checkpoint=net["checkpoint"]).model.eval()
    if "ann" not in net or net.get("ann_after_epochs") != net["epochs"]:
        net["ann"] = {"jpeg_test": ann_accuracy(model, test_full),
                      "lossless_test": ann_accuracy(model, lossless)}
        net["ann_after_epochs"] = net["epochs"]
    result["networks"][name] = net
    log(f"{name}: ANN {net['ann']['jpeg_test']:.4f} (JPEG test), "
        f"{net['ann']['lossless_test']:.4f} (lossless), {net['seconds']} s")
    save(result, args)
    return model


def write_views(result: dict, args) -> int:
    if args.markdown:
        Path(args.markdown).write_text(markdown(result))
    if args.plot:
        plot(result, args.plot)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
