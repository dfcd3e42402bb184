"""Argument types and option groups of the command line. Vocabularies (methods, datasets,
activations, threshold rules, ...) come from the registries that define them."""

from __future__ import annotations

import argparse

from ann2snn.ann.activations import ACTIVATIONS
from ann2snn.ann.options import LEVELS
from ann2snn.calibration.registry import CALIBRATION_BATCHES
from ann2snn.data import list_datasets
from ann2snn.data.normalization import NORMALIZATIONS
from ann2snn.errors import Ann2SnnError
from ann2snn.methods import list_methods
from ann2snn.methods.options import (
    THRESHOLD_BATCHES,
    flagged,
    param_options,
)
from ann2snn.run_options import BATCH_SIZE, CALIB_BATCHES, SEED


def seed(text: str) -> int:
    return SEED.parse(text)


def literal(text: str):
    """``KEY=VALUE`` values: an int, a float, true/false, none, else the text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


#: flags that spell a method option (``--threshold X`` is ``--method-option threshold=X``),
#: from the options' declarations: argparse dest -> option name
def method_flags() -> dict[str, str]:
    """argparse's destination of every method flag -> the option's name."""
    return {o.flag.lstrip("-").replace("-", "_"): o.name for o in flagged()}


def method_options(args: argparse.Namespace) -> dict:
    """The recipe overrides given on the command line, flags and ``--method-option`` alike
    (checked by the recipe itself; a key given twice is refused)."""
    options = {key: getattr(args, flag) for flag, key in method_flags().items()
               if getattr(args, flag) is not None and getattr(args, flag) is not False}
    for pair in args.method_option or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Ann2SnnError(f"--method-option expects KEY=VALUE, got {pair!r}")
        if key.strip() in options:
            raise Ann2SnnError(f"method option {key.strip()!r} is given twice")
        options[key.strip()] = literal(value)
    return options


def add_method_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("method options (override the preset's choices; an option "
                                  "that would change nothing is refused)")
    g.add_argument("--method-option", action="append", metavar="KEY=VALUE",
                   help="any recipe option, e.g. v0=0.5 or eta=0.25 (repeatable); the flags "
                        "below are spellings of it")
    declared = param_options()
    for option in flagged():  # a field's default is the preset's; a parameter's is declared
        option.add_to(g, show_default=option.name in declared)


def add_conversion_options(parser: argparse.ArgumentParser, method: bool = True) -> None:
    """--method (or --methods), --calib-batches, --maxpool and the method options."""
    if method:
        parser.add_argument("--method", choices=["auto", *list_methods()],
                            help="conversion method (auto: dcgs for ReLU networks, qcfs for "
                                 "QCFS ones, opi for ClipReLU ones; see `ann2snn methods`)")
    else:
        parser.add_argument("--methods", metavar="A,B,..", help="comma-separated methods "
                            f"(default: every one that applies: {', '.join(list_methods())})")
    CALIB_BATCHES.add_to(parser, help=f"training batches for calibration (default: "
                         f"{THRESHOLD_BATCHES} for data thresholds, {CALIBRATION_BATCHES} for "
                         "SNNC and FTBC)")
    parser.add_argument("--maxpool", choices=["error", "avg"], default="error",
                        help="max pooling: refuse it (error), or replace it by average pooling "
                             "in ANN and SNN alike (avg)")
    add_method_options(parser)


def add_data_options(parser, default: str | None = None) -> None:
    """--dataset, --data, --dataset-option."""
    parser.add_argument("--dataset", default=default, choices=list_datasets(),
                        help="dataset" + (f" ({default})" if default else ""))
    parser.add_argument("--data", help="dataset folder or archive (not needed for digits)")
    parser.add_argument("--dataset-option", action="append", metavar="KEY=VALUE",
                        help="dataset option, e.g. frames=10 or size=64 (repeatable)")


def add_device_option(parser) -> None:
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when available)")


def add_network_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("network and data")
    g.add_argument("--checkpoint", metavar="DIR", help="a checkpoint folder of `ann2snn train`: "
                   "model, activation, normalisation and dataset come from it")
    g.add_argument("--model", help="model name (see ann2snn.models) or package.module:function")
    g.add_argument("--weights", help="weights file (.th/.pt loaded weights-only, .safetensors) "
                   "or a checkpoint folder")
    add_data_options(g)
    g.add_argument("--normalize", help=f"input normalisation the weights expect: "
                   f"{', '.join(NORMALIZATIONS)} or MEAN,../STD,..; required unless the weights "
                   "are a checkpoint or known (the shared ResNet-20 expects imagenet)")
    g.add_argument("--activation", choices=list(ACTIVATIONS),
                   help="activation the model was trained with (relu)")
    LEVELS.add_to(g)
    BATCH_SIZE.add_to(g, default=BATCH_SIZE.default)
    add_device_option(g)
    g.add_argument("--seed", type=seed, help="seed of the calibration batches: their "
                   "order, and the augmentation of FTBC's fresh batches (0)")
