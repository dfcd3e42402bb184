"""The ``ann2snn`` command line: ``demo``, ``evaluate``, ``methods``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Subset

from ann2snn.errors import Ann2SnnError


def _steps(text: str) -> list[int]:
    try:
        steps = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not steps or any(t <= 0 for t in steps):
        raise argparse.ArgumentTypeError(f"time steps must be positive integers, got {text!r}")
    return steps


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _cmd_demo(args: argparse.Namespace) -> int:
    from ann2snn.demo import run_demo
    from ann2snn.report import write_json

    reports = run_demo(epochs=args.epochs, seed=args.seed)
    if args.json:
        write_json(reports, args.json)
        print(f"wrote {len(reports)} reports to {args.json}")
    return 0


def resolve_normalization(flag: str | None, weights: str | None, model: str):
    """``--normalize`` if given, else what the weights are known to expect; never a guess."""
    from ann2snn.data import parse_normalization
    from ann2snn.models import KNOWN_WEIGHTS, sha256_prefix

    if flag is not None:
        return flag, parse_normalization(flag)
    if weights is not None and Path(weights).is_file():
        known = KNOWN_WEIGHTS.get(sha256_prefix(weights))
        if known is not None:
            return f"{known['normalization']} (known weights, {known['source']})", \
                parse_normalization(known["normalization"])
    raise Ann2SnnError(
        f"the input normalisation these {model} weights expect is unknown; pass "
        "--normalize imagenet|cifar10|cifar100|none or MEAN,MEAN,MEAN/STD,STD,STD"
    )


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from ann2snn.data import dataset_spec, load_dataset
    from ann2snn.evaluate import evaluate
    from ann2snn.methods import get_method
    from ann2snn.models import create_model, load_weights, with_normalization
    from ann2snn.report import write_json

    torch.manual_seed(args.seed)
    get_method(args.method)  # fail fast on an unknown method
    spec = dataset_spec(args.dataset)
    norm_name, stats = resolve_normalization(args.normalize, args.weights, args.model)
    options = {"levels": args.levels} if args.activation == "qcfs" else {}
    model = create_model(args.model, num_classes=spec.num_classes, activation=args.activation,
                         in_channels=spec.input_shape[0], **options)
    if args.weights:
        load_weights(model, args.weights)
    model = with_normalization(model, stats).to(args.device)
    test = load_dataset(args.dataset, args.data, "test")
    if args.limit:
        test = Subset(test, range(min(args.limit, len(test))))
    train = load_dataset(args.dataset, args.data, "train")
    calib = DataLoader(train, batch_size=args.batch_size, shuffle=True,
                       generator=torch.Generator().manual_seed(args.seed))
    method_options = method_options_from(args)
    print(f"{args.model} on {args.dataset} ({len(test)} test images), method {args.method}, "
          f"input normalisation: {norm_name}", file=sys.stderr)
    report = evaluate(
        model, DataLoader(test, batch_size=args.batch_size), args.timesteps, args.method, calib,
        calib_batches=args.calib_batches, device=args.device, progress=True,
        dataset=args.dataset, model_name=args.model, **method_options,
    )
    report["normalization"] = norm_name
    print(f"ANN accuracy: {report['ann']['accuracy']:.4f}")
    for row in report["snn"]:
        print(f"SNN T={row['T']:<4d} accuracy: {row['accuracy']:.4f}")
    if args.json:
        write_json(report, args.json)
    return 0


def method_options_from(args: argparse.Namespace) -> dict:
    """The recipe overrides given on the command line (only those given)."""
    pairs = (("threshold", args.threshold), ("percentile", args.percentile),
             ("per_channel", args.per_channel or None), ("base", args.base),
             ("permute", args.permute), ("tpp_g", args.tpp_g), ("seed", args.method_seed),
             ("eta", args.ftbc_eta), ("iterations", args.ftbc_iterations),
             ("batches", args.ftbc_batches), ("holdout", args.ftbc_holdout))
    return {k: v for k, v in pairs if v is not None}


def add_method_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("method options (override the preset's choices)")
    g.add_argument("--threshold", choices=["lambda", "max", "percentile", "mse", "auto"],
                   help="threshold rule")
    g.add_argument("--percentile", type=float, help="percentile p of the percentile rule")
    g.add_argument("--per-channel", action="store_true", help="thresholds per channel")
    g.add_argument("--base", help="base preset of ftbc/tpp: qcfs, opi, snnc-light, rts, rate, "
                   "... (default: qcfs for QCFS, opi for ClipReLU, snnc-light for ReLU networks)")
    g.add_argument("--permute", choices=["layer", "neuron"],
                   help="temporal misalignment: permute each IF layer's spike trains in time")
    g.add_argument("--tpp-g", choices=["rate", "floor", "rate-sequential"],
                   help="TPP spike budget g(V): rate (default), floor, or the literal sequential rule")
    g.add_argument("--method-seed", type=int, help="seed of permutations and stochastic firing (0)")
    g.add_argument("--ftbc-eta", type=float, help="FTBC step size η (0.5)")
    g.add_argument("--ftbc-iterations", type=int, help="FTBC iterations K (10)")
    g.add_argument("--ftbc-batches", type=int, help="FTBC calibration batches B (5)")
    g.add_argument("--ftbc-holdout", type=int,
                   help="held-out training batches that choose FTBC's iteration (4)")


def _cmd_methods(args: argparse.Namespace) -> int:
    from ann2snn.methods import get_method, list_methods

    for name in list_methods():
        recipe = get_method(name)
        print(f"{name:14s} {recipe.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ann2snn",
        description="Convert trained PyTorch networks into spiking networks that are accurate "
                    "at few time steps, and measure them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="train two small CNNs on the embedded digits data, "
                                       "convert them with every preset, print a table",
                          description="Train a ReLU and a QCFS CNN on scikit-learn's digits "
                                      "(fixed 25%% test split), convert them with every "
                                      "registered preset that applies, and print accuracy at "
                                      "T = 1, 2, 4, 8, 16, 32 beside the ANN's.")
    demo.add_argument("--json", metavar="PATH", help="write the list of reports to PATH")
    demo.add_argument("--epochs", type=_positive, default=30, help="training epochs (30)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (0)")
    demo.set_defaults(func=_cmd_demo)

    ev = sub.add_parser("evaluate", help="ANN and SNN accuracy of a model at several T",
                        description="Convert a model with a method and report the ANN accuracy "
                                    "and the SNN accuracy at every requested T. Thresholds are "
                                    "calibrated on the training split, never the test split.")
    ev.add_argument("--model", required=True, help="model name (see ann2snn.models)")
    ev.add_argument("--weights", help="weights file (.th/.pt loaded weights-only, or .safetensors)")
    ev.add_argument("--dataset", required=True, help="dataset name: digits, cifar10, cifar100")
    ev.add_argument("--data", help="dataset folder or archive (not needed for digits)")
    ev.add_argument("--method", default="robust", help="conversion method (see `ann2snn methods`)")
    ev.add_argument("--timesteps", type=_steps, default=[1, 2, 4, 8, 16, 32],
                    help="comma-separated T values (1,2,4,8,16,32)")
    ev.add_argument("--calib-batches", type=_positive, default=10,
                    help="training batches used for calibration (10)")
    ev.add_argument("--batch-size", type=_positive, default=128, help="batch size (128)")
    ev.add_argument("--limit", type=_positive, help="evaluate on the first N test images only")
    ev.add_argument("--json", metavar="PATH", help="write the report to PATH")
    ev.add_argument("--normalize", help="input normalisation the weights expect: imagenet, "
                    "cifar10, cifar100, none or MEAN,../STD,..; required unless the weights are "
                    "known (the shared ResNet-20 expects imagenet)")
    ev.add_argument("--activation", default="relu", choices=["relu", "clip", "qcfs"],
                    help="activation the model was trained with (relu)")
    ev.add_argument("--levels", type=_positive, default=4, help="QCFS levels L (4)")
    add_method_options(ev)
    ev.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                    help="cpu or cuda (default: cuda when available)")
    ev.add_argument("--seed", type=int, default=0, help="seed of the calibration batches (0)")
    ev.set_defaults(func=_cmd_evaluate)

    methods = sub.add_parser("methods", help="list the registered conversion methods",
                             description="List the registered conversion methods (presets).")
    methods.set_defaults(func=_cmd_methods)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Ann2SnnError as exc:
        print(f"ann2snn: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ann2snn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
