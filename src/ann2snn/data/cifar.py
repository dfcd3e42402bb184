"""CIFAR-10/100 from the official python batches, as a folder or the official .tar.gz."""

from __future__ import annotations

import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

from ann2snn.data.archive import read_to_end
from ann2snn.data.safe_pickle import UnsafePickleError, safe_load
from ann2snn.errors import DataError

_LAYOUT = {
    "cifar10": ("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"],
                b"labels", 10),
    "cifar100": ("cifar-100-python", ["train"], ["test"], b"fine_labels", 100),
}


def _read_members(root: Path, folder: str, names: list[str]) -> dict[str, bytes]:
    """Bytes of ``names`` from a batches folder, its parent, or the official .tar.gz."""
    if root.is_file():
        try:
            with tarfile.open(root, "r:*") as tar:
                found = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
                missing = [n for n in names if n not in found]
                raw = {n: tar.extractfile(found[n]).read() for n in names if n in found}
                read_to_end(tar)
                if missing:
                    raise DataError(f"{root} has no {', '.join(missing)}; expected the official "
                                    f"{folder} archive")
                return raw
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise DataError(f"cannot read archive {root}: {exc}; is it a complete .tar.gz?") from None
    for candidate in (root, root / folder):
        if all((candidate / n).is_file() for n in names):
            return {n: (candidate / n).read_bytes() for n in names}
    raise DataError(
        f"{root} does not hold the official {folder} files ({', '.join(names)}); pass the "
        f"folder that contains them, its parent, or the official .tar.gz"
    )


def _decode(name: str, raw: bytes, label_key: bytes, path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = safe_load(raw)
    except UnsafePickleError as exc:
        raise DataError(f"{path}/{name} is not a CIFAR batch ({exc}); refusing to unpickle it") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise DataError(f"{path}/{name} is corrupt or truncated ({type(exc).__name__})") from None
    if not isinstance(batch, dict) or b"data" not in batch or label_key not in batch:
        raise DataError(f"{path}/{name} is not a CIFAR batch (expected keys data and "
                        f"{label_key.decode()})")
    data, labels = batch[b"data"], batch[label_key]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3072 and len(labels) == data.shape[0]):
        raise DataError(f"{path}/{name}: expected uint8 data of shape (N, 3072) and N labels")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise DataError(f"{path}/{name}: labels are not integers")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def load_cifar(name: str, root: str | Path, split: str) -> TensorDataset:
    """Images as float ``[N, 3, 32, 32]`` in [0, 1] and int64 labels."""
    folder, train, test, label_key, classes = _LAYOUT[name]
    root = Path(root)
    if not root.exists():
        raise DataError(f"data path {root} does not exist; pass --data to the folder holding "
                        f"{folder}/ or the official archive")
    names = train if split == "train" else test
    raw = _read_members(root, folder, names)
    parts = [_decode(n, raw[n], label_key, root) for n in names]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if labels.min() < 0 or labels.max() >= classes:
        raise DataError(f"{root}: labels outside 0..{classes - 1}; is this {name}?")
    x = torch.from_numpy(images).float().div_(255.0)
    return TensorDataset(x, torch.from_numpy(labels))
