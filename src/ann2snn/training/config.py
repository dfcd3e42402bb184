"""What ``ann2snn train`` is asked to do, checked before any work."""

from __future__ import annotations

from dataclasses import dataclass, field

from ann2snn.ann.activations import ACTIVATIONS
from ann2snn.ann.options import LEVELS
from ann2snn.checks import check_flag
from ann2snn.devices import default_device, parse_device
from ann2snn.errors import Ann2SnnError
from ann2snn.options import Option, integer, one_of, real
from ann2snn.outputs import check_output_dir
from ann2snn.run_options import SEED

#: config fields that decide the result: a resumed run must match them
RUN_FIELDS = ("model", "dataset", "dataset_options", "activation", "levels", "bit_sparsity",
              "weights", "epochs", "lr", "momentum", "weight_decay", "batch_size", "seed",
              "normalize")


#: the training options, declared once: the API's defaults and checks, the CLI's flags
OPTIONS = {o.name: o for o in (
    Option("activation", "qcfs", "activation", one_of(tuple(ACTIVATIONS)), "--activation"),
    LEVELS,
    Option("bit_sparsity", 0.0, "bit-sparsity regulariser weight β, 0 for off", real(0),
           "--bit-sparsity", "BETA"),
    Option("epochs", 10, "epochs", integer(1), "--epochs", "N"),
    Option("lr", 0.1, "initial learning rate", real(0, strict=True), "--lr", "LR"),
    Option("momentum", 0.9, "SGD momentum", real(0), "--momentum", "M"),
    Option("weight_decay", 5e-4, "weight decay (on λ too)", real(0), "--weight-decay", "WD"),
    Option("batch_size", 128, "batch size over all processes", integer(1), "--batch-size", "B"),
    Option("workers", 0, "data loading processes", integer(0), "--workers", "N"),
    SEED,
)}


@dataclass
class TrainConfig:
    """What ``ann2snn train`` is asked to do; defaults from :data:`OPTIONS` (``device``
    None: CUDA when available)."""

    model: str
    dataset: str = "digits"
    data: str | None = None
    dataset_options: dict = field(default_factory=dict)
    activation: str = OPTIONS["activation"].default
    levels: int = OPTIONS["levels"].default
    bit_sparsity: float = OPTIONS["bit_sparsity"].default
    weights: str | None = None
    epochs: int = OPTIONS["epochs"].default
    lr: float = OPTIONS["lr"].default
    momentum: float = OPTIONS["momentum"].default
    weight_decay: float = OPTIONS["weight_decay"].default
    batch_size: int = OPTIONS["batch_size"].default
    out: str = "runs/train"
    seed: int = OPTIONS["seed"].default
    device: str | None = None
    amp: bool = True
    workers: int = OPTIONS["workers"].default
    normalize: str | None = None
    resume: bool = False
    progress: bool = True
    command: str = ""


def check_config(cfg: TrainConfig) -> None:
    """Every value of ``cfg`` checked before any work (one line naming the bad one)."""
    for name, option in OPTIONS.items():
        option.check(name, getattr(cfg, name))
    if cfg.bit_sparsity and cfg.activation != "qcfs":
        raise Ann2SnnError("--bit-sparsity applies to QCFS activations (--activation qcfs)")
    for name in ("amp", "resume", "progress"):
        check_flag(getattr(cfg, name), name)
    parse_device(cfg.device or default_device())
    check_output_dir(cfg.out, "--out")
