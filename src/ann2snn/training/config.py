"""What ``ann2snn train`` is asked to do, checked before any work."""

from __future__ import annotations

from dataclasses import dataclass, field

from ann2snn.ann.activations import ACTIVATIONS
from ann2snn.ann.options import LEVELS
from ann2snn.checks import check_flag
from ann2snn.devices import default_device, parse_device
from ann2snn.errors import Ann2SnnError
from ann2snn.options import Option, integer, one_of, optional, real
from ann2snn.outputs import check_output_dir
from ann2snn.run_options import SEED
from ann2snn.training.lambda_init import LAMBDA_STARTS

#: config fields that decide the result: a resumed run must match them
RUN_FIELDS = ("model", "dataset", "dataset_options", "activation", "levels", "bit_sparsity",
              "weights", "epochs", "lr", "momentum", "weight_decay", "batch_size", "seed",
              "normalize", "distill", "distill_temperature", "teacher", "lambda_start",
              "lambda_decay", "layout")
#: distillation's weight α when a ReLU network is fine-tuned into clip/QCFS and --distill is
#: not given (chosen by measurement: docs/methods.md#fine-tuning)
DISTILL_DEFAULT = 0.5
#: the learning rate from scratch, and when fine-tuning ``--weights`` (measured)
LR_SCRATCH, LR_FINE_TUNE = 0.1, 0.01


#: the training options, declared once: the API's defaults and checks, the CLI's flags
OPTIONS = {o.name: o for o in (
    Option("activation", "qcfs", "activation", one_of(tuple(ACTIVATIONS)), "--activation"),
    LEVELS,
    Option("bit_sparsity", 0.0, "bit-sparsity regulariser weight β, 0 for off", real(0),
           "--bit-sparsity", "BETA"),
    Option("epochs", 10, "epochs", integer(1), "--epochs", "N"),
    Option("lr", None, "initial learning rate (default: 0.1 from scratch, 0.01 when "
           "fine-tuning --weights)", optional(real(0, strict=True)), "--lr", "LR"),
    Option("momentum", 0.9, "SGD momentum", real(0), "--momentum", "M"),
    Option("weight_decay", 5e-4, "weight decay", real(0), "--weight-decay", "WD"),
    Option("lambda_decay", None, "weight decay on λ (default: --weight-decay)",
           optional(real(0)), "--lambda-decay", "WD"),
    Option("distill", None, "weight α of distillation from the ReLU network being fine-tuned, "
           "0 for off (default: 0.5 when a ReLU network is fine-tuned into clip/qcfs, else off)",
           optional(real(0, high=1)), "--distill", "ALPHA"),
    Option("distill_temperature", 4.0, "distillation temperature τ", real(0, strict=True),
           "--distill-temperature", "TAU"),
    Option("lambda_start", "mse", "how λ starts for a ReLU network's weights: mse (the clip an "
           "L-level QCFS loses least to) or percentile (99.9th)", one_of(LAMBDA_STARTS),
           "--lambda-start"),
    Option("layout", "channels_last", "memory layout of images and weights in training",
           one_of(("channels_last", "contiguous")), "--layout"),
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
    lr: float | None = OPTIONS["lr"].default
    momentum: float = OPTIONS["momentum"].default
    weight_decay: float = OPTIONS["weight_decay"].default
    lambda_decay: float | None = OPTIONS["lambda_decay"].default
    distill: float | None = OPTIONS["distill"].default
    distill_temperature: float = OPTIONS["distill_temperature"].default
    teacher: str | None = None
    lambda_start: str = OPTIONS["lambda_start"].default
    layout: str = OPTIONS["layout"].default
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


def learning_rate(cfg: TrainConfig) -> float:
    """``--lr`` as given; unset, :data:`LR_FINE_TUNE` with ``--weights``, else :data:`LR_SCRATCH`."""
    if cfg.lr is not None:
        return cfg.lr
    return LR_FINE_TUNE if cfg.weights else LR_SCRATCH


def check_config(cfg: TrainConfig) -> None:
    """Every value of ``cfg`` checked before any work (one line naming the bad one)."""
    for name, option in OPTIONS.items():
        option.check(name, getattr(cfg, name))
    if cfg.bit_sparsity and cfg.activation != "qcfs":
        raise Ann2SnnError("--bit-sparsity applies to QCFS activations (--activation qcfs)")
    if cfg.distill and not (cfg.weights or cfg.teacher):
        raise Ann2SnnError("--distill needs a network to distil from: pass --weights (the "
                           "network being fine-tuned) or --teacher, or drop --distill")
    for name in ("amp", "resume", "progress"):
        check_flag(getattr(cfg, name), name)
    parse_device(cfg.device or default_device())
    check_output_dir(cfg.out, "--out")
