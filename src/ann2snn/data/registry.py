"""Datasets by name: ``load_dataset("cifar10", "path/to/data", "train", augment=True)``.

Every dataset yields ``(x, label)`` with ``x`` a float tensor (images in [0, 1], unnormalised;
the normalisation a model expects is its first layer, see :mod:`ann2snn.models.normalize`).
Each spec states its standard normalisation and training augmentation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ann2snn.data import transforms
from ann2snn.data.cifar import load_cifar
from ann2snn.data.cifar10_dvs import CIFAR10DVS
from ann2snn.data.digits import load_digits
from ann2snn.data.idx import load_idx_dataset
from ann2snn.data.image_folder import ImageFolder
from ann2snn.errors import DataError
from ann2snn.registry import Registry


@dataclass(frozen=True)
class DatasetSpec:
    """``loader(root, split, **options) -> Dataset``; ``augment(data, **options)`` gives the
    training transform. ``num_classes``/``input_shape`` of ``None`` are read from the data."""

    name: str
    loader: Callable[..., Dataset]
    num_classes: int | None
    input_shape: tuple[int, ...] | None
    normalization: str = "none"
    augment: Callable[..., transforms.Transform | None] = lambda data, **_: None
    options: dict[str, type] = field(default_factory=dict)
    needs_path: bool = True
    description: str = ""


class TransformedDataset(Dataset):
    """``(transform(x), y)`` of a dataset of ``(x, y)``; other attributes are the base's.

    The random draws for sample ``i`` in epoch ``e`` come from a generator seeded with
    ``(seed, e, i)``: augmentation does not depend on workers, processes or resuming.
    """

    def __init__(self, base: Dataset, transform: transforms.Transform, seed: int = 0):
        self.base, self.transform, self.seed, self.epoch = base, transform, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        x, y = self.base[index]
        seed = ((self.seed * 1_000_003 + self.epoch) * 1_000_033 + index) % (1 << 63)
        return self.transform(x, torch.Generator().manual_seed(seed)), y

    def __getattr__(self, name: str):
        if name == "base":
            raise AttributeError(name)
        return getattr(self.base, name)


DATASETS: Registry[DatasetSpec] = Registry("dataset", error=DataError)


def register_dataset(spec: DatasetSpec) -> DatasetSpec:
    """Add a dataset; its name must be new."""
    return DATASETS.add(spec.name, spec)


def dataset_spec(name: str) -> DatasetSpec:
    return DATASETS.get(name)


def list_datasets() -> list[str]:
    return DATASETS.names()


def parse_dataset_options(name: str, pairs: list[str] | dict | None) -> dict:
    """``["frames=10", "size=64"]`` -> ``{"frames": 10, "size": 64}``, checked against the spec."""
    spec = dataset_spec(name)
    items = pairs.items() if isinstance(pairs, dict) else (
        (p.split("=", 1) if "=" in p else (p, None)) for p in (pairs or []))
    options = {}
    for key, value in items:
        if key not in spec.options:
            known = ", ".join(spec.options) or "none"
            raise DataError(f"dataset {name!r} has no option {key!r} (options: {known})")
        kind = spec.options[key]
        try:
            if isinstance(value, bool) or (isinstance(value, float) and kind is int):
                raise TypeError
            options[key] = kind(value)
        except (TypeError, ValueError):
            raise DataError(f"dataset option {key}={value!r}: expected {kind.__name__}") from None
        if kind is int and options[key] <= 0:
            raise DataError(f"dataset option {key}={value!r}: must be a positive integer")
    return options


def load_dataset(name: str, root: str | Path | None = None, split: str = "test", *,
                 augment: bool = False, seed: int = 0, **options) -> Dataset:
    """Split ``train`` or ``test`` of dataset ``name``, read from ``root``; ``augment`` applies
    the dataset's standard training augmentation (seeded, see :class:`TransformedDataset`)."""
    spec = dataset_spec(name)
    if split not in ("train", "test"):
        raise DataError(f"split must be 'train' or 'test', got {split!r}")
    if spec.needs_path and root is None:
        raise DataError(f"dataset {name!r} is read from files: pass --data PATH")
    options = parse_dataset_options(name, options)
    data = spec.loader(Path(root) if root is not None else None, split, **options)
    transform = spec.augment(data, **options) if augment else None
    return data if transform is None else TransformedDataset(data, transform, seed)


def num_classes_of(name: str, data: Dataset) -> int:
    spec = dataset_spec(name)
    return spec.num_classes if spec.num_classes is not None else len(data.classes)


def input_shape_of(name: str, data: Dataset) -> tuple[int, ...]:
    spec = dataset_spec(name)
    return spec.input_shape if spec.input_shape is not None else tuple(data[0][0].shape)


def _crop_flip(size: int, padding: int, flip: bool = True) -> transforms.Transform:
    flips = [transforms.RandomHorizontalFlip()] if flip else []
    return transforms.Compose([transforms.RandomCrop(size, padding), *flips])


def _folder_augment(data: ImageFolder, **_) -> transforms.Transform:
    """CIFAR-style crop (padding side/8) and flip up to 64 px, else resized crop and flip."""
    side = data.image_shape[-1]
    if side <= 64:
        return _crop_flip(side, side // 8)
    return transforms.Compose([transforms.RandomResizedCrop(side), transforms.RandomHorizontalFlip()])


def _imagenet(root: Path, split: str, size: int = 224) -> ImageFolder:
    if split == "train":  # varying sizes: the augmentation crops them to size
        return ImageFolder(root, split, uniform=False)
    return ImageFolder(root, split, resize=round(size * 256 / 224), crop=size)


register_dataset(DatasetSpec(
    "digits", lambda _root, split: load_digits(split), 10, (1, 8, 8), "digits",
    needs_path=False, description="scikit-learn digits, 8x8, 25% stratified test split (embedded)"))
register_dataset(DatasetSpec(
    "cifar10", lambda root, split: load_cifar("cifar10", root, split), 10, (3, 32, 32),
    "cifar10", lambda data: _crop_flip(32, 4),
    description="official CIFAR-10 python batches (folder or .tar.gz)"))
register_dataset(DatasetSpec(
    "cifar100", lambda root, split: load_cifar("cifar100", root, split), 100, (3, 32, 32),
    "cifar100", lambda data: _crop_flip(32, 4),
    description="official CIFAR-100 python batches (folder or .tar.gz)"))
register_dataset(DatasetSpec(
    "mnist", load_idx_dataset, 10, (1, 28, 28), "mnist", lambda data: _crop_flip(28, 2, flip=False),
    description="MNIST IDX files, gzipped or not"))
register_dataset(DatasetSpec(
    "fashion-mnist", load_idx_dataset, 10, (1, 28, 28), "fashion-mnist",
    lambda data: _crop_flip(28, 2), description="Fashion-MNIST IDX files, gzipped or not"))
register_dataset(DatasetSpec(
    "imagefolder", lambda root, split, size=None: ImageFolder(root, split, resize=size, crop=size),
    None, None, "imagenet", _folder_augment, options={"size": int},
    description="class-per-folder images root/{train,val|test}/<class>/*.jpg, folder or .tar.gz "
                "(option size=N: resize and centre-crop)"))
register_dataset(DatasetSpec(
    "imagenet", _imagenet, 1000, (3, 224, 224), "imagenet",
    lambda data, size=224: transforms.Compose([transforms.RandomResizedCrop(size),
                                               transforms.RandomHorizontalFlip()]),
    options={"size": int},
    description="ImageNet train/val folders: resized crop + flip for training, resize 256 + "
                "centre crop 224 for testing (option size)"))
register_dataset(DatasetSpec(
    "cifar10-dvs", CIFAR10DVS, 10, None, "none", lambda data, **_: transforms.RandomHorizontalFlip(),
    options={"frames": int, "size": int},
    description="CIFAR10-DVS AEDAT 2.0 files root/<class>/*.aedat as 2*frames channels "
                "(options frames=10, size=128), 90/10 split by file index"))
