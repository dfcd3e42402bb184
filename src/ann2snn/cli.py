"""The ``ann2snn`` command line: ``demo``, ``train``, ``evaluate``, ``convert``, ``methods``."""

from __future__ import annotations

import argparse
import os
import sys

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
    from ann2snn.models.weights import known_normalization

    if flag is not None:
        return flag, parse_normalization(flag)
    known = known_normalization(weights) if weights is not None else None
    if known is not None:
        return f"{known} (known weights)", parse_normalization(known)
    raise Ann2SnnError(
        f"the input normalisation these {model} weights expect is unknown; pass "
        "--normalize imagenet|cifar10|cifar100|none or MEAN,MEAN,MEAN/STD,STD,STD"
    )


def load_network(args: argparse.Namespace) -> tuple[torch.nn.Module, dict]:
    """The ANN (normalisation first) and what is known of it: from a checkpoint folder of
    ``ann2snn train`` (no other flag needed), or from --model/--weights/--normalize."""
    from ann2snn.data import dataset_spec, input_shape_of, load_dataset, num_classes_of
    from ann2snn.models import create_model, load_weights, with_normalization
    from ann2snn.training.checkpoint import is_checkpoint, load_checkpoint

    source = args.checkpoint or (args.weights if args.weights and is_checkpoint(args.weights) else None)
    if source is not None:
        net, meta = load_checkpoint(source, expect_model=args.model)
        for key in ("dataset", "data"):
            if getattr(args, key) is None:
                setattr(args, key, meta.get(key))
        if not args.dataset_option:
            args.dataset_option = [f"{k}={v}" for k, v in meta.get("dataset_options", {}).items()]
        return net, {"model": meta["model"], "normalization": meta["normalization"]["name"],
                     "checkpoint": str(source)}
    if args.model is None or args.dataset is None:
        raise Ann2SnnError("pass --checkpoint DIR (from `ann2snn train`), or --model and --dataset")
    spec = dataset_spec(args.dataset)
    probe = None
    if spec.num_classes is None or spec.input_shape is None:
        probe = load_dataset(args.dataset, args.data, "test", **dataset_options(args))
    shape = input_shape_of(args.dataset, probe)
    norm_name, stats = resolve_normalization(args.normalize, args.weights, args.model)
    options = {"levels": args.levels} if args.activation == "qcfs" else {}
    model = create_model(args.model, num_classes=num_classes_of(args.dataset, probe),
                         activation=args.activation, in_channels=shape[0], input_size=shape[-1],
                         **options)
    if args.weights:
        load_weights(model, args.weights)
    return with_normalization(model, stats), {"model": args.model, "normalization": norm_name}


def dataset_options(args: argparse.Namespace) -> dict:
    from ann2snn.data import parse_dataset_options

    return parse_dataset_options(args.dataset, args.dataset_option or [])


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from ann2snn.data import SeededBatches, evenly_spaced, load_dataset
    from ann2snn.evaluate import evaluate
    from ann2snn.methods import get_method
    from ann2snn.report import write_json
    from ann2snn.training import distributed as D

    torch.manual_seed(args.seed)
    get_method(args.method)  # fail fast on an unknown method
    net, info = load_network(args)
    procs = D.setup(args.device)
    try:
        options = dataset_options(args)
        test = evenly_spaced(load_dataset(args.dataset, args.data, "test", **options), args.limit)
        train = load_dataset(args.dataset, args.data, "train", **options)
        calib = SeededBatches(train, args.batch_size, args.seed)
        shard = Subset(test, D.shard(len(test), procs)) if procs.active else test
        if procs.main:
            print(f"{info['model']} on {args.dataset} ({len(test)} test images"
                  f"{f', {procs.world} processes' if procs.active else ''}), method {args.method}, "
                  f"input normalisation: {info['normalization']}", file=sys.stderr)
        report = evaluate(
            net.to(procs.device), DataLoader(shard, batch_size=args.batch_size), args.timesteps,
            args.method, calib, calib_batches=args.calib_batches, device=procs.device,
            progress=procs.main, dataset=args.dataset, model_name=info["model"], processes=procs,
            **method_options_from(args),
        )
    finally:
        D.teardown(procs)
    if not procs.main:
        return 0
    report["normalization"] = info["normalization"]
    print(f"ANN accuracy: {report['ann']['accuracy']:.4f}")
    for row in report["snn"]:
        print(f"SNN T={row['T']:<4d} accuracy: {row['accuracy']:.4f}")
    if args.json:
        write_json(report, args.json)
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    from ann2snn.conversion import convert
    from ann2snn.conversion.serialize import save_snn
    from ann2snn.data import SeededBatches, load_dataset

    torch.manual_seed(args.seed)
    net, info = load_network(args)
    train = load_dataset(args.dataset, args.data, "train", **dataset_options(args))
    calib = SeededBatches(train, args.batch_size, args.seed)
    snn = convert(net.to(args.device), args.method, calib, timesteps=args.timesteps,
                  calib_batches=args.calib_batches, device=args.device, **method_options_from(args))
    save_snn(snn, args.out)
    print(f"wrote {args.out}: {info['model']} converted by {args.method}"
          f"{f' for T={args.timesteps}' if args.timesteps else ''}; {snn.summary()}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from ann2snn.training import TrainConfig, train

    cfg = TrainConfig(
        model=args.model, dataset=args.dataset, data=args.data,
        dataset_options=dataset_options(args), activation=args.activation, levels=args.levels,
        bit_sparsity=args.bit_sparsity, weights=args.weights, epochs=args.epochs, lr=args.lr,
        momentum=args.momentum, weight_decay=args.weight_decay, batch_size=args.batch_size,
        out=args.out, seed=args.seed, device=args.device, amp=not args.no_amp,
        workers=args.workers, normalize=args.normalize, resume=args.resume,
        progress=not args.no_progress, command="ann2snn " + " ".join(sys.argv[1:]))
    meta = train(cfg)
    if meta.get("history") and os.environ.get("RANK", "0") == "0":
        print(f"{args.out}: test accuracy {meta['history'][-1]['test_accuracy']:.4f} after "
              f"{meta['history'][-1]['epoch']} epochs")
    return 0


def method_options_from(args: argparse.Namespace) -> dict:
    """The recipe overrides given on the command line (only those given)."""
    pairs = (("threshold", args.threshold), ("percentile", args.percentile),
             ("per_channel", args.per_channel or None), ("base", args.base),
             ("permute", args.permute), ("tpp_g", args.tpp_g), ("seed", args.method_seed),
             ("eta", args.ftbc_eta), ("iterations", args.ftbc_iterations),
             ("batches", args.ftbc_batches), ("holdout", args.ftbc_holdout))
    return {k: v for k, v in pairs if v is not None}


def add_conversion_options(parser: argparse.ArgumentParser) -> None:
    """--method, --calib-batches and the method options."""
    parser.add_argument("--method", default="robust",
                        help="conversion method (see `ann2snn methods`)")
    parser.add_argument("--calib-batches", type=_positive, default=10,
                        help="training batches used for calibration (10)")
    add_method_options(parser)


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


def _datasets() -> list[str]:
    from ann2snn.data import list_datasets

    return list_datasets()


def add_data_options(parser, default: str | None = None) -> None:
    """--dataset, --data, --dataset-option."""
    parser.add_argument("--dataset", default=default, help=f"dataset: {', '.join(_datasets())}"
                        + (f" ({default})" if default else ""))
    parser.add_argument("--data", help="dataset folder or archive (not needed for digits)")
    parser.add_argument("--dataset-option", action="append", metavar="KEY=VALUE",
                        help="dataset option, e.g. frames=10 or size=64 (repeatable)")


def add_network_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("network and data")
    g.add_argument("--checkpoint", metavar="DIR", help="a checkpoint folder of `ann2snn train`: "
                   "model, activation, normalisation and dataset come from it")
    g.add_argument("--model", help="model name (see ann2snn.models) or package.module:function")
    g.add_argument("--weights", help="weights file (.th/.pt loaded weights-only, .safetensors) "
                   "or a checkpoint folder")
    add_data_options(g)
    g.add_argument("--normalize", help="input normalisation the weights expect: imagenet, "
                   "cifar10, cifar100, mnist, none or MEAN,../STD,..; required unless the weights "
                   "are a checkpoint or known (the shared ResNet-20 expects imagenet)")
    g.add_argument("--activation", default="relu", choices=["relu", "clip", "qcfs"],
                   help="activation the model was trained with (relu)")
    g.add_argument("--levels", type=_positive, default=4, help="QCFS levels L (4)")
    g.add_argument("--batch-size", type=_positive, default=128, help="batch size (128)")
    g.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                   help="cpu or cuda (default: cuda when available)")
    g.add_argument("--seed", type=int, default=0, help="seed of the calibration batches (0)")


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
                                    "calibrated on the training split, never the test split. "
                                    "Runs under torchrun too (the test set is sharded, the "
                                    "counts summed).")
    add_network_options(ev)
    add_conversion_options(ev)
    ev.add_argument("--timesteps", type=_steps, default=[1, 2, 4, 8, 16, 32],
                    help="comma-separated T values (1,2,4,8,16,32)")
    ev.add_argument("--limit", type=_positive,
                    help="evaluate on N evenly spaced test images only (every class of a "
                         "class-sorted folder is represented)")
    ev.add_argument("--json", metavar="PATH", help="write the report to PATH")
    ev.set_defaults(func=_cmd_evaluate)

    cv = sub.add_parser("convert", help="convert a model and save the spiking network",
                        description="Convert a model (calibrating on its training split) and "
                                    "save the spiking network as safetensors with its recipe; "
                                    "load it with ann2snn.load_snn(path, ann).")
    add_network_options(cv)
    add_conversion_options(cv)
    cv.add_argument("--timesteps", type=_positive,
                    help="T, for methods whose conversion depends on it (mse, rts, calibration)")
    cv.add_argument("--out", required=True, help="output file (.safetensors)")
    cv.set_defaults(func=_cmd_convert)

    tr = sub.add_parser("train", help="train (or fine-tune) an ANN for conversion",
                        description="Train a model with a conversion-friendly activation: SGD "
                                    "with momentum, cosine schedule, weight decay (on λ too), "
                                    "the dataset's standard augmentation, mixed precision on "
                                    "GPU, an evaluation every epoch. Writes DIR/model.safetensors"
                                    ", DIR/model.json (metadata) and DIR/train_state.pt after "
                                    "every epoch and on Ctrl-C; --resume continues a run and "
                                    "ends with the same weights. Under torchrun it trains with "
                                    "DistributedDataParallel.")
    tr.add_argument("--model", required=True, help="model name (resnet20, vgg16, ...) or "
                    "package.module:function")
    add_data_options(tr, default="digits")
    tr.add_argument("--activation", default="qcfs", choices=["relu", "clip", "qcfs"],
                    help="activation (qcfs)")
    tr.add_argument("--levels", type=_positive, default=4, help="QCFS levels L (4)")
    tr.add_argument("--bit-sparsity", type=float, default=0.0, metavar="BETA",
                    help="bit-sparsity regulariser weight β (0: off)")
    tr.add_argument("--weights", help="weights or checkpoint to fine-tune from (λ missing from "
                    "a ReLU checkpoint starts from the data)")
    tr.add_argument("--normalize", help="input normalisation (default: what --weights expect, "
                    "else the dataset's standard one)")
    tr.add_argument("--epochs", type=_positive, default=10, help="epochs (10)")
    tr.add_argument("--lr", type=float, default=0.1, help="initial learning rate (0.1)")
    tr.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (0.9)")
    tr.add_argument("--weight-decay", type=float, default=5e-4, help="weight decay (5e-4)")
    tr.add_argument("--batch-size", type=_positive, default=128,
                    help="batch size over all processes (128)")
    tr.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder")
    tr.add_argument("--resume", action="store_true", help="continue the run in DIR")
    tr.add_argument("--workers", type=int, default=0, help="data loading processes (0)")
    tr.add_argument("--no-amp", action="store_true", help="no mixed precision on GPU")
    tr.add_argument("--no-progress", action="store_true", help="no progress bar")
    tr.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                    help="cpu or cuda (default: cuda when available)")
    tr.add_argument("--seed", type=int, default=0, help="random seed (0)")
    tr.set_defaults(func=_cmd_train)

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
