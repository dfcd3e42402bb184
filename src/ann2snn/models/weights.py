"""Loading weights safely (``weights_only=True`` or safetensors) with clear errors."""

from __future__ import annotations

import hashlib
import pickle
import zipfile
from pathlib import Path

import torch
from torch import Tensor, nn

from ann2snn.checks import check_finite_module
from ann2snn.errors import WeightsError
from ann2snn.files import check_input_file, check_path

#: weights identified by the first 8 hex digits of their sha256: what they expect as input
KNOWN_WEIGHTS: dict[str, dict[str, str]] = {
    "12fca82f": {"model": "resnet20", "normalization": "imagenet",
                 "source": "akamaster/pytorch_resnet_cifar10 (BSD-2-Clause)"},
}


def sha256_prefix(path: str | Path, digits: int = 8) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:digits]


def read_state_dict(path: str | Path) -> dict[str, Tensor]:
    """Tensors of a checkpoint: ``.safetensors``, or a torch file loaded with
    ``weights_only=True``; unwraps ``{"state_dict": ...}`` and strips ``module.`` prefixes."""
    from safetensors import SafetensorError

    path = check_path(path, "weights")
    if path.is_dir():
        raise WeightsError(f"weights {path} is a folder, and not a checkpoint of `ann2snn train` "
                           "(no model.safetensors and model.json in it); pass the weights file")
    check_input_file(path, "weights file", "pass --weights PATH", error=WeightsError)
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, zipfile.BadZipFile,
            OSError, SafetensorError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"cannot read weights {path}: corrupt, truncated or not a "
                           f"tensor-only checkpoint ({first[:160]})") from None
    for key in ("state_dict", "model", "model_state_dict"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise WeightsError(f"{path} holds no state_dict of tensors")
    return {k.removeprefix("module."): v for k, v in state.items()}


def load_weights(model: nn.Module, path: str | Path) -> nn.Module:
    """Load ``path`` into ``model``; every tensor the model has must be there, shapes equal.

    Activation parameters (λ of ClipReLU/QCFS) may be missing: a ReLU checkpoint can seed a
    QCFS model for fine-tuning.
    """
    return load_state_checked(model, read_state_dict(path), Path(path).name)


def load_state_checked(model: nn.Module, state: dict[str, Tensor], name: str) -> nn.Module:
    """Load ``state`` into ``model`` with the checks of :func:`load_weights`."""
    own = model.state_dict()
    lam_keys = {k for k in own if k.endswith(".lam")}
    missing = [k for k in own if k not in state and k not in lam_keys
               and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in own and not k.endswith("num_batches_tracked")]
    wrong = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
             for k in own if k in state and state[k].shape != own[k].shape]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:3])})")
        if wrong:
            parts.append(f"{len(wrong)} of another shape (e.g. {'; '.join(wrong[:2])})")
        raise WeightsError(f"weights {name} do not fit {type(model).__name__}: "
                           f"{', '.join(parts)}; is it the right --model and --dataset?")
    model.load_state_dict(state, strict=False)
    check_finite_module(model, f"weights {name}")
    return model
