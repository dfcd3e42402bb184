"""Datasets by name: ``load_dataset("cifar10", "path/to/data", "test")``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from torch.utils.data import Dataset

from ann2snn.data.cifar import load_cifar
from ann2snn.data.digits import load_digits
from ann2snn.errors import DataError


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    num_classes: int
    input_shape: tuple[int, ...]
    loader: Callable[[Path | None, str], Dataset]
    needs_path: bool = True
    description: str = ""


_DATASETS: dict[str, DatasetSpec] = {}


def register_dataset(spec: DatasetSpec) -> DatasetSpec:
    _DATASETS[spec.name] = spec
    return spec


def dataset_spec(name: str) -> DatasetSpec:
    try:
        return _DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(_DATASETS)}") from None


def list_datasets() -> list[str]:
    return list(_DATASETS)


def load_dataset(name: str, root: str | Path | None = None, split: str = "test") -> Dataset:
    """Split ``train`` or ``test`` of dataset ``name``, read from ``root``."""
    spec = dataset_spec(name)
    if split not in ("train", "test"):
        raise DataError(f"split must be 'train' or 'test', got {split!r}")
    if spec.needs_path and root is None:
        raise DataError(f"dataset {name!r} is read from files: pass --data PATH")
    return spec.loader(Path(root) if root is not None else None, split)


register_dataset(DatasetSpec("digits", 10, (1, 8, 8), lambda _root, split: load_digits(split),
                             needs_path=False, description="scikit-learn digits, 8x8 (embedded)"))
register_dataset(DatasetSpec("cifar10", 10, (3, 32, 32),
                             lambda root, split: load_cifar("cifar10", root, split),
                             description="official CIFAR-10 python batches (folder or .tar.gz)"))
register_dataset(DatasetSpec("cifar100", 100, (3, 32, 32),
                             lambda root, split: load_cifar("cifar100", root, split),
                             description="official CIFAR-100 python batches (folder or .tar.gz)"))
