"""The ``ann2snn`` command line: ``demo``, ``train``, ``evaluate``, ``compare``, ``report``,
``convert``, ``export``, ``methods``, ``models``."""

from __future__ import annotations

import argparse
import sys

from ann2snn.allocator import reuse_freed_memory
from ann2snn.cli import commands as C
from ann2snn.cli.options import (
    add_conversion_options,
    add_data_options,
    add_device_option,
    add_network_options,
    seed,
)
from ann2snn.cli.terms import in_cli_terms
from ann2snn.errors import Ann2SnnError, ConversionError
from ann2snn.run_options import EPOCHS, INPUT_SHAPE, LIMIT, TIMESTEP_LIST, TIMESTEPS
from ann2snn.training.config import OPTIONS as TRAIN_OPTIONS


def _add_demo(sub) -> None:
    demo = sub.add_parser("demo", help="train four small CNNs on the embedded digits data, "
                                       "convert them with every preset, print a table",
                          description="Train four small CNNs on scikit-learn's digits (fixed "
                                      "25% test split): ReLU, QCFS L = 4, QCFS L = 15 and QCFS "
                                      "L = 15 with bit sparsity (errorfree only); convert each with every "
                                      "registered preset that applies, and print accuracy at "
                                      "T = 1, 2, 4, 8, 16, 32 beside the ANN's, and the costs.")
    demo.add_argument("--json", metavar="PATH", help="write the list of reports to PATH")
    EPOCHS.add_to(demo, default=EPOCHS.default)
    demo.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    demo.set_defaults(func=C.cmd_demo)


def _add_sweep_options(parser, what: str) -> None:
    """--timesteps, --limit, --json of evaluate and compare."""
    TIMESTEP_LIST.add_to(parser, default=None, help="comma-separated T values (evaluate "
                         "--snn: the T the file was converted for, if its method depends on T)"
                         if what == "the report" else None)
    LIMIT.add_to(parser)
    parser.add_argument("--json", metavar="PATH", help=f"write {what} to PATH")


def _add_evaluate(sub) -> None:
    ev = sub.add_parser("evaluate", help="ANN and SNN accuracy of a model at several T",
                        description="Convert a model with a method and report the ANN accuracy "
                                    "and the SNN accuracy at every requested T. Thresholds are "
                                    "calibrated on the training split, never the test split. "
                                    "Runs under torchrun too (the test set is sharded, the "
                                    "counts summed).")
    add_network_options(ev)
    add_conversion_options(ev)
    _add_sweep_options(ev, "the report")
    ev.add_argument("--snn", metavar="FILE", help="evaluate a network saved by `ann2snn convert "
                    "--out` as it is (with its ANN, from the same file): needs only --dataset "
                    "and --data (and --model with your own package.module:function factory, "
                    "when the network was converted from one)")
    ev.set_defaults(func=C.cmd_evaluate)


def _add_compare(sub) -> None:
    cp = sub.add_parser("compare", help="every method that applies, over T: which one to use",
                        description="Evaluate every registered method that applies to the "
                                    "network (or --methods) at every T on the same test and "
                                    "calibration batches; print one table (accuracy, spikes per "
                                    "neuron, energy, latency) with the Pareto-optimal rows "
                                    "marked, and write a JSON that `ann2snn report` draws.")
    add_network_options(cp)
    add_conversion_options(cp, method=False)
    _add_sweep_options(cp, "the comparison")
    cp.add_argument("--markdown", metavar="PATH", help="write the table to PATH")
    cp.set_defaults(func=C.cmd_compare)


def _add_report(sub) -> None:
    rp = sub.add_parser("report", help="figures, tables and a summary from report files",
                        description="Draw report files (from evaluate --json, compare --json "
                                    "or demo --json) into a folder: summary.md, rows.csv, "
                                    "layers.csv, accuracy_vs_T.png, accuracy_vs_energy.png "
                                    "(Pareto front marked), layers.png (firing rate and "
                                    "ANN-SNN error per layer) and raster.png.")
    rp.add_argument("reports", nargs="+", metavar="RESULT.json", help="report files")
    rp.add_argument("--out", required=True, metavar="DIR", help="output folder")
    rp.add_argument("--method", help="the method the per-layer figures show (default: the "
                    "most accurate at its largest T)")
    TIMESTEPS.add_to(rp, help="the T of the per-layer figure (default: the largest)")
    rp.add_argument("--layer", help="the layer of the raster (default: the first)")
    rp.set_defaults(func=C.cmd_report)


def _add_convert(sub) -> None:
    cv = sub.add_parser("convert", help="convert a model and save the spiking network",
                        description="Convert a model (calibrating on its training split) and "
                                    "save the spiking network as safetensors with its recipe and "
                                    "architecture; evaluate it with `ann2snn evaluate --snn "
                                    "FILE`, load it with ann2snn.load_snn(FILE).")
    add_network_options(cv)
    add_conversion_options(cv)
    TIMESTEPS.add_to(cv, help="T, for methods whose conversion depends on it (mse, rts, "
                     "calibration)")
    cv.add_argument("--out", required=True, help="output file (.safetensors)")
    cv.set_defaults(func=C.cmd_convert)


def _add_export(sub) -> None:
    from ann2snn.export import FORMATS

    ex = sub.add_parser("export", help="export a saved spiking network to another tool chain",
                        description="Export a network saved by `ann2snn convert --out` to NIR "
                                    "(needs pip install 'ann2snn[nir]'), exactly: IF layers with "
                                    "reset by subtraction as NIR I/Threshold/Scale nodes with a "
                                    "recurrent reset edge. A network NIR cannot carry exactly "
                                    "(FTBC, TPP, bit-coded, permutation, constant neuron biases, "
                                    "max pooling) is refused with what would be lost; nothing "
                                    "is written (or, with --lossy, exported with native NIR IF "
                                    "layers and every loss printed).")
    ex.add_argument("snn", metavar="SNN", help="a .safetensors file from `ann2snn convert --out`")
    ex.add_argument("--format", choices=FORMATS, default="nir", help="export format (nir)")
    ex.add_argument("--out", required=True, metavar="FILE", help="output file (.nir)")
    ex.add_argument("--model", help="your own model factory (package.module:function), when "
                    "the file was converted from one: ann2snn never imports a name read from "
                    "a file (README: what --model trusts)")
    ex.add_argument("--lossy", action="store_true", help="export what NIR cannot carry "
                    "exactly as native NIR IF layers (reset to 0), printing every loss")
    INPUT_SHAPE.add_to(ex)
    ex.set_defaults(func=C.cmd_export)


def _add_train(sub) -> None:
    tr = sub.add_parser("train", help="train (or fine-tune) an ANN for conversion",
                        description="Train a model with a conversion-friendly activation: SGD "
                                    "with momentum, cosine schedule, weight decay (on λ too), "
                                    "the dataset's standard augmentation, channels-last, mixed "
                                    "precision on GPU, an evaluation every epoch. Fine-tuning a "
                                    "ReLU network (--weights) into qcfs/clip, any model's ReLU "
                                    "calls included: λ starts at the clip an L-level quantiser "
                                    "loses least to, lr 0.01, and the loss distils from the "
                                    "ReLU network (α 0.5, τ 4). Writes DIR/model.safetensors"
                                    ", DIR/model.json (metadata) and DIR/train_state.pt after "
                                    "every epoch and on Ctrl-C; --resume continues a run and "
                                    "ends with the same weights. Under torchrun it trains with "
                                    "DistributedDataParallel.")
    tr.add_argument("--model", required=True, help="model name (resnet20, vgg16, ...) or "
                    "package.module:function")
    add_data_options(tr, default="digits")
    for option in TRAIN_OPTIONS.values():  # flags, defaults and help from their declarations
        option.add_to(tr, default=option.default)
    tr.add_argument("--weights", help="weights or checkpoint to fine-tune from (λ missing from "
                    "a ReLU network's weights starts from the data, see --lambda-start)")
    tr.add_argument("--teacher", help="weights of the ReLU network to distil from (default: "
                    "--weights)")
    tr.add_argument("--normalize", help="input normalisation (default: what --weights expect, "
                    "else the dataset's standard one)")
    tr.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder")
    tr.add_argument("--resume", action="store_true", help="continue the run in DIR")
    tr.add_argument("--no-amp", action="store_true", help="no mixed precision on GPU")
    tr.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_option(tr)
    tr.set_defaults(func=C.cmd_train)


class Parser(argparse.ArgumentParser):
    """Argument errors as one line (``PROG: error: ...; see PROG --help``), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ann2snn",
        description="Convert trained PyTorch networks into spiking networks that are accurate "
                    "at few time steps, and measure them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_demo(sub)
    _add_evaluate(sub)
    _add_compare(sub)
    _add_report(sub)
    _add_convert(sub)
    _add_train(sub)
    _add_export(sub)
    methods = sub.add_parser("methods", help="list the registered conversion methods",
                             description="List the registered conversion methods (presets).")
    methods.set_defaults(func=C.cmd_methods)
    models = sub.add_parser("models", help="list the registered models",
                            description="List the registered models with the input they are "
                                        "built for and their default classes.")
    models.set_defaults(func=C.cmd_models)
    return parser


def error_text(exc: BaseException) -> str:
    """The message of ``exc`` on one line, or one line per kind of problem for a grouped
    conversion error. An error raised in a DataLoader worker comes back with the worker's
    traceback inside its message: keep only the error it ends with."""
    text = str(exc).strip()
    if isinstance(exc, ConversionError) and exc.nodes:
        return "\n".join(" ".join(line.split()) for line in text.splitlines())
    if "Original Traceback" in text:
        last = text.splitlines()[-1]
        text = last.split(": ", 1)[1] if ": " in last and "Error" in last.split(": ", 1)[0] else last
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    reuse_freed_memory()  # large all-steps tensors without page faults (allocator.py)
    try:
        return args.func(args)
    except Ann2SnnError as exc:
        print(f"ann2snn: error: {in_cli_terms(error_text(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ann2snn: interrupted", file=sys.stderr)
        return 130


__all__ = ["main", "build_parser"]
