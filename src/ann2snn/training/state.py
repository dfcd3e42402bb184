"""The training state of a run (``train_state.pt``): optimiser, schedule, random state and
position, tensors and numbers only, read with ``weights_only=True`` and checked field by
field before a resumed run uses any of it."""

from __future__ import annotations

from pathlib import Path

import torch

from ann2snn.errors import WeightsError
from ann2snn.files import check_input_file, file_kind
from ann2snn.models.checkpoint import STATE_FILE

#: the training state's fields and their types (``None`` allowed for the scaler)
STATE_FIELDS = {"optimizer": dict, "scheduler": dict, "scaler": (dict, type(None)),
                "rng": torch.Tensor, "epoch": int, "step": int, "partial": (list, tuple)}


def read_train_state(out: str | Path) -> dict | None:
    """The training state of ``out``, checked field by field, or None if there is none."""
    path = Path(out) / STATE_FILE
    if file_kind(path) is None:
        return None
    check_input_file(path, "training state", error=WeightsError)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure means the same thing to the user
        raise WeightsError(f"cannot read training state {path} ({type(exc).__name__}); it is "
                           "corrupt: delete it to start over") from None
    return check_train_state(state, path)


def check_train_state(state, path) -> dict:
    """Refuse a training state without its fields, or with values of the wrong type."""
    damaged = f"training state {path} is damaged"
    if not isinstance(state, dict):
        raise WeightsError(f"{damaged}: not a dict of fields; delete it to start over")
    for key, kind in STATE_FIELDS.items():
        if not isinstance(state.get(key), kind) or isinstance(state.get(key), bool):
            raise WeightsError(f"{damaged}: field {key!r} is missing or of the wrong type; "
                               "delete it to start over")
    partial = state["partial"]
    if state["epoch"] < 0 or state["step"] < 0 or len(partial) != 3 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in partial):
        raise WeightsError(f"{damaged}: epoch, step or partial sums out of range; delete it to "
                           "start over")
    if state["rng"].dtype != torch.uint8 or state["rng"].dim() != 1:
        raise WeightsError(f"{damaged}: rng is not a random generator state; delete it to "
                           "start over")
    return state
