"""What ``ann2snn train`` is asked to do, checked before any work."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ann2snn.ann.activations import ACTIVATIONS
from ann2snn.checks import check_seed
from ann2snn.devices import parse_device
from ann2snn.errors import Ann2SnnError
from ann2snn.outputs import check_output_dir

#: config fields that decide the result: a resumed run must match them
RUN_FIELDS = ("model", "dataset", "dataset_options", "activation", "levels", "bit_sparsity",
              "weights", "epochs", "lr", "momentum", "weight_decay", "batch_size", "seed",
              "normalize")


@dataclass
class TrainConfig:
    model: str
    dataset: str = "digits"
    data: str | None = None
    dataset_options: dict = field(default_factory=dict)
    activation: str = "qcfs"
    levels: int = 4
    bit_sparsity: float = 0.0
    weights: str | None = None
    epochs: int = 1
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    batch_size: int = 128
    out: str = "runs/train"
    seed: int = 0
    device: str = "cpu"
    amp: bool = True
    workers: int = 0
    normalize: str | None = None
    resume: bool = False
    progress: bool = True
    command: str = ""


def check_config(cfg: TrainConfig) -> None:
    """Every value of ``cfg`` checked before any work (one line naming the bad one)."""
    reals = {"lr": (cfg.lr, True), "momentum": (cfg.momentum, False),
             "weight_decay": (cfg.weight_decay, False), "bit_sparsity": (cfg.bit_sparsity, False)}
    for name, (value, strict) in reals.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
                value) or (value <= 0 if strict else value < 0):
            raise Ann2SnnError(f"{name} must be a finite number {'>' if strict else '>='} 0, "
                               f"got {value!r}")
    for name, low in (("epochs", 1), ("batch_size", 1), ("workers", 0), ("levels", 1)):
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise Ann2SnnError(f"{name} must be an integer >= {low}, got {value!r}")
    if cfg.activation not in ACTIVATIONS:
        raise Ann2SnnError(f"unknown activation {cfg.activation!r}; choose one of: "
                           f"{', '.join(ACTIVATIONS)}")
    if cfg.bit_sparsity and cfg.activation != "qcfs":
        raise Ann2SnnError("--bit-sparsity applies to QCFS activations (--activation qcfs)")
    check_seed(cfg.seed)
    parse_device(cfg.device)
    check_output_dir(cfg.out, "--out")
