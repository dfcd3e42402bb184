"""Class-per-folder image trees (``root/<split>/<class>/<image>``), from a folder or a .tar(.gz).

From a folder, images are read lazily; from an archive, the encoded bytes are held in memory
(a 60k-image CIFAR-10 JPEG archive is 20 MB) and decoded on access. Classes are the sorted
folder names; samples are ordered by class, then file name. Decoding uses Pillow.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from pathlib import Path, PurePosixPath

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from ann2snn.data.archive import read_to_end
from ann2snn.data.transforms import CenterCrop, Resize
from ann2snn.errors import DataError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".webp", ".tif", ".tiff"}
#: folder names a split may have, in the order they are looked for
SPLIT_DIRS = {"train": ("train",), "test": ("test", "val")}


def decode_image(raw: bytes, name: str) -> Tensor:
    """Encoded image bytes -> ``uint8 [3, H, W]`` (RGB)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(raw)) as img:
            array = np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise DataError(f"image {name} is corrupt or truncated ({type(exc).__name__})") from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1)


def _archive_samples(root: Path, split: str) -> tuple[dict[str, list[tuple[str, bytes]]], str]:
    """``{class: [(member name, bytes), ...]}`` of ``split`` in an archive, and the split dir."""
    found: dict[str, dict[str, list[tuple[str, bytes]]]] = {}
    try:
        with tarfile.open(root, "r:*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                parts = PurePosixPath(member.name).parts
                if len(parts) < 3 or PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                split_dir, cls = parts[-3], parts[-2]
                if split_dir in SPLIT_DIRS[split]:
                    data = tar.extractfile(member).read()
                    found.setdefault(split_dir, {}).setdefault(cls, []).append((member.name, data))
            read_to_end(tar)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DataError(f"cannot read archive {root}: {type(exc).__name__}: {exc}; "
                        "is it a complete .tar or .tar.gz?") from None
    for split_dir in SPLIT_DIRS[split]:
        if split_dir in found:
            return found[split_dir], split_dir
    raise DataError(f"archive {root} has no {'|'.join(SPLIT_DIRS[split])}/<class>/<image> files; "
                    "expected an image-folder tree")


def _folder_samples(root: Path, split: str) -> tuple[dict[str, list[Path]], str]:
    for split_dir in SPLIT_DIRS[split]:
        base = root / split_dir
        if base.is_dir():
            classes = {d.name: sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
                       for d in base.iterdir() if d.is_dir()}
            classes = {c: files for c, files in classes.items() if files}
            if classes:
                return classes, split_dir
    raise DataError(f"{root} has no {'|'.join(SPLIT_DIRS[split])}/<class>/<image> files; expected "
                    f"an image-folder tree such as {root}/train/<class>/0001.jpg")


class ImageFolder(Dataset):
    """Images as float ``[3, H, W]`` in [0, 1] and int64 labels.

    ``resize``: the shorter side is resized to it; ``crop``: centre crop of that size.
    With ``uniform`` (and no crop) every image must have the size of the first.
    """

    def __init__(self, root: str | Path, split: str, *, resize: int | None = None,
                 crop: int | None = None, uniform: bool = True):
        root = Path(root)
        if not root.exists():
            raise DataError(f"data path {root} does not exist; pass --data to an image-folder "
                            "tree or a .tar.gz of one")
        if split not in SPLIT_DIRS:
            raise DataError(f"split must be 'train' or 'test', got {split!r}")
        if root.is_file():
            by_class, self.split_dir = _archive_samples(root, split)
            by_class = {c: sorted(items) for c, items in by_class.items()}
        else:
            by_class, self.split_dir = _folder_samples(root, split)
        self.root, self.classes = root, sorted(by_class)
        self.samples = [(item, label) for label, c in enumerate(self.classes) for item in by_class[c]]
        self.targets = [label for _, label in self.samples]
        self.resize = [t for t in (resize and Resize(resize), crop and CenterCrop(crop)) if t]
        self.uniform = uniform and crop is None
        self.image_shape: tuple[int, ...] | None = None  # set by the first image
        self.image_shape = tuple(self._load(0).shape)

    def __len__(self) -> int:
        return len(self.samples)

    def _load(self, index: int) -> Tensor:
        item, _ = self.samples[index]
        if isinstance(item, tuple):
            name, raw = item
            name = f"{self.root}:{name}"
        else:
            name = str(item)
            try:
                raw = item.read_bytes()
            except OSError as exc:
                raise DataError(f"cannot read image {item}: {exc}") from None
        x = decode_image(raw, name).float().div_(255.0)
        for t in self.resize:
            x = t(x)
        if self.uniform and self.image_shape is not None and tuple(x.shape) != self.image_shape:
            raise DataError(f"image {name} is {tuple(x.shape)[1:]} but the first is "
                            f"{self.image_shape[1:]}; pass --dataset-option size=N to resize all")
        return x

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        return self._load(index), self.targets[index]
