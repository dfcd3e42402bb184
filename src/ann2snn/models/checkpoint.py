"""Training checkpoints: a folder with three files.

- ``model.safetensors``: the bare model's tensors (no normalisation layer), loadable into
  ``create_model(meta["model"], ...)``;
- ``model.json``: what a later command needs (architecture, activation, L, normalisation,
  dataset, accuracy per epoch, the command that trained it);
- ``train_state.pt``: optimiser, schedule, position (epoch, step) and random state: tensors and
  numbers only, read back with ``weights_only=True``.

Files are written to a temporary name and renamed, so an interruption never leaves half a file.
A checkpoint never names code to run: its ``model`` must be a registered model, or a
``package.module:function`` factory that the user names again (``--model``, ``model=``).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from torch import nn

from ann2snn.ann.activations import ACTIVATIONS
from ann2snn.data.normalization import Normalization
from ann2snn.devices import available_bytes
from ann2snn.errors import Ann2SnnError, DataError, WeightsError
from ann2snn.files import check_format, check_input_file
from ann2snn.models.factory import check_recorded_options, is_factory_path, recorded_name
from ann2snn.models.registry import create_model, list_models
from ann2snn.models.weights import load_state_checked, read_state_dict
from ann2snn.outputs import write_bytes, write_text

FORMAT = "ann2snn.checkpoint/1"
MODEL_FILE, META_FILE, STATE_FILE = "model.safetensors", "model.json", "train_state.pt"
_SCALAR = (str, int, float, bool, type(None))
#: the fields that rebuild a model without its code (checkpoints and saved spiking networks)
ARCHITECTURE_FIELDS = {"model": str, "num_classes": int, "activation": str, "model_options": dict,
                       "normalization": dict}
#: the metadata fields a later command reads, with their types
_FIELDS = {**ARCHITECTURE_FIELDS, "dataset_options": dict}


def save_checkpoint(out: str | Path, model: nn.Module, meta: dict, state: dict | None = None) -> Path:
    """Write ``model`` (bare, unwrapped), ``meta`` and the training ``state`` into ``out``."""
    import io

    import torch
    from safetensors.torch import save

    out = Path(out)
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    write_bytes(out / MODEL_FILE, save(tensors, metadata={"format": FORMAT}), "checkpoint weights")
    write_text(out / META_FILE, json.dumps({"format": FORMAT, **meta}, indent=2), "checkpoint")
    if state is not None:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        write_bytes(out / STATE_FILE, buffer.getvalue(), "training state")
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


def check_meta(meta, where: str) -> dict:
    """Refuse metadata that lacks a field a later command reads, or holds the wrong type."""
    check_format(meta.get("format") if isinstance(meta, dict) else None, FORMAT, where,
                 "train again", WeightsError)
    return check_architecture(meta, where, _FIELDS)


def check_architecture(meta, where: str, fields: dict = ARCHITECTURE_FIELDS) -> dict:
    """Refuse an architecture record (or metadata) with a missing field or a wrong type."""
    if not isinstance(meta, dict):
        raise WeightsError(f"{where} is damaged: no architecture record")
    for key, kind in fields.items():
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise WeightsError(f"{where} is damaged: field {key!r} is missing or not a "
                               f"{kind.__name__}; re-run training or restore the file")
    for key in ("model_options", "dataset_options"):
        if key in fields and not all(isinstance(k, str) and isinstance(v, _SCALAR)
                                     for k, v in meta[key].items()):
            raise WeightsError(f"{where} is damaged: {key} must map names to plain values")
    if meta["num_classes"] <= 0 or meta["activation"] not in ACTIVATIONS:
        raise WeightsError(f"{where} is damaged: num_classes {meta['num_classes']}, activation "
                           f"{meta['activation']!r}")
    try:
        Normalization.from_dict(meta["normalization"], where)
    except DataError as exc:
        raise WeightsError(str(exc)) from None
    return meta


def read_meta(path: str | Path) -> dict:
    """The checked metadata of a checkpoint folder (or of the weights file inside one)."""
    weights, meta_file = checkpoint_files(path)
    if not meta_file.is_file() or not weights.is_file():
        raise WeightsError(f"{path} is not an ann2snn checkpoint (expected {MODEL_FILE} and "
                           f"{META_FILE} from `ann2snn train --out DIR`)")
    check_input_file(meta_file, "checkpoint metadata", max_bytes=64 * 2**20, error=WeightsError)
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise WeightsError(f"{meta_file} is corrupt ({str(exc)[:120]}); re-run training or "
                           "restore it") from None
    except RecursionError:
        raise WeightsError(f"{meta_file} is corrupt (nested too deeply); restore it") from None
    return check_meta(meta, str(meta_file))


def model_from_meta(meta: dict, trusted: str | None = None, what: str = "the checkpoint"
                    ) -> nn.Module:
    """A fresh bare model as a checked record (``what``: a checkpoint, a saved spiking
    network) describes it. A ``package.module:function`` read from a file is imported only
    when the user typed the same name (``trusted``), and gets only the recorded options its
    signature declares (:mod:`ann2snn.models.factory`). The model is first built on the meta
    device, so that a record whose tensors cannot fit in memory is refused before any is
    allocated."""
    name = meta["model"]
    if is_factory_path(name) and name != trusted:
        raise WeightsError(
            f"{what} was built from a model factory (package.module:function) that it names; "
            "ann2snn never imports a name read from a file: if you wrote that factory, pass "
            "its name yourself with --model (or model=...)")
    if not is_factory_path(name) and name not in list_models():
        raise WeightsError(f"{what} names an unknown model {name[:80]!r}; known: "
                           f"{', '.join(list_models())}")
    try:
        if is_factory_path(name):
            check_recorded_options(name, meta["model_options"], what)
        build = partial(create_model, name, num_classes=meta["num_classes"],
                        activation=meta["activation"], **meta["model_options"])
        check_fits_in_memory(build, what)
        return build()
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"{what}: the model options do not fit {name}: {exc}") from None
    except Ann2SnnError as exc:
        raise WeightsError(str(exc)) from None


def check_fits_in_memory(build, what: str) -> None:
    """Refuse a model whose parameters and buffers (counted on the meta device) exceed the
    free memory (a model that cannot be built on the meta device is not estimated)."""
    import torch

    try:
        with torch.device("meta"):
            probe = build()
    except Exception:  # noqa: BLE001 - a factory that cannot build on meta: the real build says
        return
    needed = sum(t.numel() * t.element_size() for t in (*probe.parameters(), *probe.buffers()))
    free = available_bytes("cpu")
    if free is not None and needed > free:
        raise WeightsError(f"{what} describes a model of {needed / 2**30:.3g} GiB of tensors, "
                           f"more than the {free / 2**30:.3g} GiB of free memory: the record is "
                           "damaged, or the model needs a larger machine")


def load_checkpoint(path: str | Path, model: str | None = None) -> tuple[nn.Module, dict]:
    """``(bare model with the checkpoint's weights, metadata)``. ``model``: the name the user
    gave, which must match the checkpoint's (and trusts a factory it names)."""
    meta = read_meta(path)
    if model is not None and model != meta["model"]:
        raise WeightsError(f"checkpoint {path} holds {recorded_name(meta['model'])}, not "
                           f"{model!r}; drop --model or pass the matching checkpoint")
    weights, _ = checkpoint_files(path)
    net = load_state_checked(model_from_meta(meta, model, f"checkpoint {path}"), read_state_dict(weights),
                             str(weights))
    return net, meta
