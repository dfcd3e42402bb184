"""How the fine-tuning recipe was chosen: arms measured on held-out *training* images (JSON).

The shared ReLU ResNet-20 is fine-tuned into QCFS (L levels) on ``--train`` images of the JPEG
CIFAR-10 training split for one pass, each arm changing one choice of the recipe, and scored
on ``--holdout`` other training images (a seeded split; the test set is never read). The
pieces are the trainer's own: λ start (training/lambda_init.py), distillation
(training/distill.py), SGD with λ's own weight decay, cosine decay, the dataset's
augmentation, channels-last. ``start_accuracy`` is the network before any step.

    .venv/bin/python benchmarks/finetune_recipe.py > docs/results-finetune-recipe.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Subset

from ann2snn.data import load_dataset
from ann2snn.models import create_model, with_normalization
from ann2snn.models.normalize import resolve_normalization
from ann2snn.models.weights import load_state_checked, read_state_dict
from ann2snn.training.distill import Distillation
from ann2snn.training.lambda_init import init_lambda_from_data
from ann2snn.training.loop import (
    accuracy,
    cross_entropy,
    make_optimizer,
    make_scheduler,
    to_layout,
    train_one_epoch,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
BASE = {"levels": 4, "lambda_start": "mse", "lr": 0.02, "alpha": 0.5, "temperature": 4.0,
        "lambda_decay": 5e-4, "weight_decay": 5e-4, "bn": "train"}
#: each arm: the base recipe with these changes
ARMS = {
    "base": {},
    "percentile-start": {"lambda_start": "percentile"},
    "no-distill": {"alpha": 0.0},
    "distill-0.9": {"alpha": 0.9},
    "lr-0.005": {"lr": 0.005},
    "lr-0.01": {"lr": 0.01},
    "lr-0.01-no-distill": {"lr": 0.01, "alpha": 0.0},
    "lr-0.05": {"lr": 0.05},
    "no-lambda-decay": {"lambda_decay": 0.0},
    "frozen-bn-stats": {"bn": "frozen"},
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def relu_network(weights: Path) -> torch.nn.Module:
    model = create_model("resnet20", activation="relu")
    load_state_checked(model, read_state_dict(weights), weights.name)
    return with_normalization(model, resolve_normalization(weights=str(weights)))


def qcfs_network(weights: Path, levels: int) -> torch.nn.Module:
    model = create_model("resnet20", activation="qcfs", levels=levels)
    load_state_checked(model, read_state_dict(weights), weights.name)
    return with_normalization(model, resolve_normalization(weights=str(weights)))


def freeze_bn_stats(net: torch.nn.Module) -> None:
    """BatchNorm layers keep their running statistics (eval mode) while the rest trains."""
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()


def run_arm(recipe: dict, data: dict, weights: Path, seed: int) -> dict:
    torch.manual_seed(seed)
    net = qcfs_network(weights, recipe["levels"])
    init_lambda_from_data(net, DataLoader(data["lambda"], batch_size=128),
                          start=recipe["lambda_start"])
    net = net.to(memory_format=torch.channels_last)
    holdout = DataLoader(data["holdout"], batch_size=256)
    start = accuracy(net, ((to_layout(x, "channels_last"), y) for x, y in holdout))
    teacher = relu_network(weights).to(memory_format=torch.channels_last)
    criterion = Distillation(teacher, recipe["alpha"], recipe["temperature"]) \
        if recipe["alpha"] else cross_entropy
    loader = DataLoader(data["train"], batch_size=128, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    opt = make_optimizer(net, recipe["lr"], 0.9, recipe["weight_decay"], recipe["lambda_decay"])
    sched = make_scheduler(opt, len(loader))
    if recipe["bn"] == "frozen":
        original_train = net.train
        net.train = lambda mode=True: (original_train(mode), freeze_bn_stats(net))[0]
    started = time.perf_counter()
    stats = train_one_epoch(net, loader, opt, sched, criterion=criterion, layout="channels_last")
    seconds = time.perf_counter() - started
    final = accuracy(net, ((to_layout(x, "channels_last"), y) for x, y in holdout))
    lams = [float(m.lam.detach()) for m in net.modules() if hasattr(m, "lam")]
    return {"start_accuracy": start, "holdout_accuracy": final,
            "train_accuracy": stats["train_accuracy"], "seconds": round(seconds, 1),
            "lambda_range": [round(min(lams), 3), round(max(lams), 3)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "cifar10-jpeg.tar.gz")
    parser.add_argument("--weights", type=Path,
                        default=SHARED / "models" / "resnet20-12fca82f.th")
    parser.add_argument("--train", type=int, default=10000)
    parser.add_argument("--holdout", type=int, default=5000)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--arms", help="comma-separated arms (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.data.exists() or not args.weights.exists():
        print(json.dumps({"skipped": f"{args.data} or {args.weights} is absent"}))
        return 0
    augmented = load_dataset("imagefolder", args.data, "train", augment=True, seed=args.seed)
    plain = load_dataset("imagefolder", args.data, "train")
    order = torch.randperm(len(plain), generator=torch.Generator().manual_seed(args.seed)).tolist()
    held, fit = order[-args.holdout:], order[: args.train]
    data = {"train": Subset(augmented, fit), "holdout": Subset(plain, held),
            "lambda": Subset(plain, fit[:512])}
    teacher = relu_network(args.weights)
    relu_holdout = accuracy(teacher, DataLoader(data["holdout"], batch_size=256))
    result = {"command": " ".join(sys.argv), "train_images": len(fit),
              "holdout_images": len(held), "base": {**BASE, "levels": args.levels},
              "relu_holdout_accuracy": relu_holdout, "arms": {}}
    names = args.arms.split(",") if args.arms else list(ARMS)
    for name in names:
        recipe = copy.deepcopy({**BASE, "levels": args.levels, **ARMS[name]})
        result["arms"][name] = {"changes": ARMS[name], **run_arm(recipe, data, args.weights,
                                                                 args.seed)}
        log(f"{name}: {result['arms'][name]}")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
