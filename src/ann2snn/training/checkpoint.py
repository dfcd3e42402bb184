"""Training checkpoints: a folder with three files.

- ``model.safetensors``: the bare model's tensors (no normalisation layer), loadable into
  ``create_model(meta["model"], ...)``;
- ``model.json``: what a later command needs (architecture, activation, L, normalisation,
  dataset, accuracy per epoch, the command that trained it);
- ``train_state.pt``: optimiser, schedule, position (epoch, step) and random state: tensors and
  numbers only, read back with ``weights_only=True``.

Files are written to a temporary name and renamed, so an interruption never leaves half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from torch import nn

from ann2snn.data import parse_normalization
from ann2snn.errors import WeightsError
from ann2snn.models import create_model, with_normalization
from ann2snn.models.weights import load_state_checked, read_state_dict

FORMAT = "ann2snn.checkpoint/1"
MODEL_FILE, META_FILE, STATE_FILE = "model.safetensors", "model.json", "train_state.pt"


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def save_checkpoint(out: str | Path, model: nn.Module, meta: dict, state: dict | None = None) -> Path:
    """Write ``model`` (bare, unwrapped), ``meta`` and the training ``state`` into ``out``."""
    from safetensors.torch import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    _atomic(out / MODEL_FILE, lambda p: save_file(tensors, str(p), metadata={"format": FORMAT}))
    _atomic(out / META_FILE, lambda p: p.write_text(json.dumps({"format": FORMAT, **meta}, indent=2)))
    if state is not None:
        _atomic(out / STATE_FILE, lambda p: torch.save(state, p))
    return out


def checkpoint_files(path: str | Path) -> tuple[Path, Path]:
    """``(model.safetensors, model.json)`` of a checkpoint folder or of its weights file."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    weights = path if path.is_file() else folder / MODEL_FILE
    return weights, folder / META_FILE


def is_checkpoint(path: str | Path) -> bool:
    weights, meta = checkpoint_files(path)
    return meta.is_file() and weights.is_file()


def read_meta(path: str | Path) -> dict:
    """The metadata of a checkpoint folder (or of the weights file inside one)."""
    weights, meta_file = checkpoint_files(path)
    if not meta_file.is_file() or not weights.is_file():
        raise WeightsError(f"{path} is not an ann2snn checkpoint (expected {MODEL_FILE} and "
                           f"{META_FILE} from `ann2snn train --out DIR`)")
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{meta_file} is corrupt ({exc}); re-run training or restore it") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise WeightsError(f"{meta_file} is not {FORMAT} metadata")
    return meta


def model_from_meta(meta: dict) -> nn.Module:
    """A fresh bare model as the checkpoint describes it."""
    return create_model(meta["model"], num_classes=meta["num_classes"],
                        activation=meta["activation"], **meta.get("model_options", {}))


def load_checkpoint(path: str | Path, expect_model: str | None = None) -> tuple[nn.Module, dict]:
    """``(model with its input normalisation as first layer, metadata)`` of a checkpoint."""
    meta = read_meta(path)
    if expect_model is not None and expect_model != meta["model"]:
        raise WeightsError(f"checkpoint {path} holds a {meta['model']}, not a {expect_model}; drop "
                           "--model or pass the matching checkpoint")
    weights, _ = checkpoint_files(path)
    model = load_state_checked(model_from_meta(meta), read_state_dict(weights), str(weights))
    return with_normalization(model, normalization_stats(meta.get("normalization"))), meta


def normalization_record(name: str) -> dict:
    """``{"name", "mean", "std"}`` for the metadata (``None`` stats: no normalisation)."""
    stats = parse_normalization(name)
    return {"name": name, "mean": list(stats[0]) if stats else None,
            "std": list(stats[1]) if stats else None}


def normalization_stats(record: dict | None):
    """``(mean, std)`` of a normalisation record, or None for no normalisation."""
    if not record or not record.get("mean"):
        return None
    return tuple(record["mean"]), tuple(record["std"])


def read_train_state(out: str | Path) -> dict | None:
    """The training state of ``out``, or None if there is none."""
    path = Path(out) / STATE_FILE
    if not path.is_file():
        return None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means the same thing to the user
        raise WeightsError(f"cannot read training state {path} ({type(exc).__name__}); it is "
                           "corrupt: delete it to start over") from None
