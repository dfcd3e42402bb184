"""What a training run builds before its first step: the model (fine-tuned weights, λ from
data), and the teacher it distils from (docs/methods.md#fine-tuning)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, Subset

from ann2snn.checks import check_accepts
from ann2snn.data import dataset_spec, input_shape_of, num_classes_of
from ann2snn.data.normalization import Normalization
from ann2snn.errors import Ann2SnnError
from ann2snn.models import create_model, with_normalization
from ann2snn.models.checkpoint import checkpoint_files, is_checkpoint
from ann2snn.models.normalize import resolve_normalization
from ann2snn.models.weights import load_state_checked, read_state_dict
from ann2snn.training.config import DISTILL_DEFAULT, TrainConfig
from ann2snn.training.distill import Distillation
from ann2snn.training.lambda_init import init_lambda_from_data
from ann2snn.training.loop import cross_entropy


def _read_weights(path: str) -> dict:
    return read_state_dict(checkpoint_files(path)[0] if is_checkpoint(path) else path)


def _has_lambda(state: dict) -> bool:
    return any(k.endswith(".lam") for k in state)


def build_model(cfg: TrainConfig, train_plain: Dataset, device, log, new_run: bool) -> tuple:
    """``(bare model, model with its normalisation on device, metadata, criterion)``; weights
    loaded, the teacher checked, and λ started from data when the weights are a ReLU
    network's (``cfg.lambda_start``)."""
    shape = input_shape_of(cfg.dataset, train_plain)
    options = {"in_channels": shape[0], "input_size": shape[-1]}
    if cfg.activation == "qcfs":
        options["levels"] = cfg.levels
    num_classes = num_classes_of(cfg.dataset, train_plain)
    model = create_model(cfg.model, num_classes=num_classes, activation=cfg.activation, **options)
    norm = resolve_normalization(cfg.normalize, weights=cfg.weights,
                                 dataset_default=dataset_spec(cfg.dataset).normalization,
                                 what=f"the weights {cfg.weights}")
    norm.check_channels(shape[0], f"dataset {cfg.dataset}")
    net = with_normalization(model, norm)
    check_accepts(net, shape, f"model {cfg.model!r} on {cfg.dataset}")
    state = _read_weights(cfg.weights) if cfg.weights else None
    if state is not None:
        load_state_checked(model, state, str(cfg.weights))
    relu_weights = state is not None and not _has_lambda(state)
    alpha = distill_alpha(cfg, relu_weights)
    meta = {"model": cfg.model, "num_classes": num_classes, "model_options": options,
            "activation": cfg.activation, "levels": cfg.levels if cfg.activation == "qcfs" else None,
            "normalization": norm.as_dict(), "dataset": cfg.dataset,
            "data": str(Path(cfg.data).resolve()) if cfg.data else None,
            "dataset_options": cfg.dataset_options, "input_shape": list(shape),
            "distillation": {"alpha": alpha, "temperature": cfg.distill_temperature,
                             "teacher": cfg.teacher or cfg.weights} if alpha else None}
    criterion = build_criterion(cfg, meta, device)  # a teacher that does not fit: refused now
    if new_run and cfg.activation in ("clip", "qcfs") and relu_weights:
        pick = torch.randperm(len(train_plain), generator=torch.Generator().manual_seed(cfg.seed))
        sample = Subset(train_plain, pick[: 4 * min(cfg.batch_size, 128)].tolist())
        lams = init_lambda_from_data(net, DataLoader(sample, batch_size=min(cfg.batch_size, 128)),
                                     start=cfg.lambda_start)
        log(f"λ from data ({cfg.lambda_start} start from the ReLU network's activations): "
            f"{min(lams.values()):.3g} .. {max(lams.values()):.3g} over {len(lams)} layers")
    layout = torch.channels_last if cfg.layout == "channels_last" else torch.contiguous_format
    return model, net.to(device, memory_format=layout), meta, criterion


def distill_alpha(cfg: TrainConfig, relu_weights: bool) -> float:
    """``--distill`` as given; unset, :data:`DISTILL_DEFAULT` when a ReLU network's weights are
    fine-tuned into clip/QCFS (or a teacher is named), else 0."""
    if cfg.distill is not None:
        return cfg.distill
    auto = cfg.teacher is not None or relu_weights and cfg.activation in ("clip", "qcfs")
    return DISTILL_DEFAULT if auto else 0.0


def build_criterion(cfg: TrainConfig, meta: dict, device):
    """Cross-entropy, or distillation from the ReLU teacher (``--teacher``, else the
    ``--weights`` being fine-tuned): refused in one line if it does not fit the model."""
    if not meta.get("distillation"):
        return cross_entropy
    path = cfg.teacher or cfg.weights
    state = _read_weights(path)
    if _has_lambda(state):
        raise Ann2SnnError(f"the teacher {path} is not a ReLU network (it holds clip/QCFS λ); "
                           "pass --teacher with a ReLU network's weights, or --distill 0")
    options = {k: v for k, v in meta["model_options"].items() if k != "levels"}
    teacher = create_model(cfg.model, num_classes=meta["num_classes"], activation="relu",
                           **options)
    load_state_checked(teacher, state, f"of the teacher ({Path(path).name})")
    teacher = with_normalization(teacher, Normalization.from_dict(meta["normalization"], "run"))
    layout = torch.channels_last if cfg.layout == "channels_last" else torch.contiguous_format
    teacher = teacher.to(device, memory_format=layout)
    d = meta["distillation"]
    return Distillation(teacher, d["alpha"], d["temperature"])
