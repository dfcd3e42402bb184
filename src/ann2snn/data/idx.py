"""MNIST and Fashion-MNIST from their IDX files, gzipped or not.

An IDX file is a big-endian header — magic ``0x00000803`` (images, then N, rows, cols) or
``0x00000801`` (labels, then N) — followed by ``uint8`` values.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

from ann2snn.errors import DataError

FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
_MAGIC = {3: 0x00000803, 1: 0x00000801}


def _find(root: Path, stem: str) -> Path:
    for folder in (root, root / "raw", root / "MNIST" / "raw", root / "FashionMNIST" / "raw"):
        for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
            if (folder / name).is_file():
                return folder / name
    raise DataError(f"{root} has no {stem}[.gz]; pass --data to the folder with the four IDX files")


def read_idx(path: Path, dims: int) -> np.ndarray:
    """The array of an IDX file with ``dims`` dimensions (3: images, 1: labels)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read {path}: {exc}; is it complete?") from None
    head = 4 + 4 * dims
    if len(raw) < head:
        raise DataError(f"{path} is truncated (no IDX header)")
    magic, *shape = struct.unpack(f">{1 + dims}I", raw[:head])
    if magic != _MAGIC[dims]:
        raise DataError(f"{path} is not an IDX file of {dims}-d uint8 data (magic {magic:#010x})")
    count = int(np.prod(shape))
    if len(raw) - head != count:
        raise DataError(f"{path}: header says {shape} ({count} bytes) but it holds "
                        f"{len(raw) - head}; the file is truncated or corrupt")
    return np.frombuffer(raw, dtype=np.uint8, offset=head).reshape(shape)


def load_idx_dataset(root: str | Path, split: str) -> TensorDataset:
    """Images as float ``[N, 1, 28, 28]`` in [0, 1] and int64 labels."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data path {root} is not a folder; pass --data to the folder with the "
                        "IDX files (train-images-idx3-ubyte[.gz], ...)")
    images_file, labels_file = (_find(root, stem) for stem in FILES[split])
    images, labels = read_idx(images_file, 3), read_idx(labels_file, 1)
    if len(images) != len(labels):
        raise DataError(f"{images_file.name} has {len(images)} images but {labels_file.name} "
                        f"{len(labels)} labels")
    if labels.max(initial=0) > 9:
        raise DataError(f"{labels_file}: labels outside 0..9")
    x = torch.from_numpy(images.copy()).unsqueeze(1).float().div_(255.0)
    return TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))
