"""Deterministic subsets and calibration batches."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Subset

from ann2snn.data.registry import TransformedDataset
from ann2snn.errors import DataError


def evenly_spaced(data: Dataset, count: int | None) -> Dataset:
    """``count`` evenly spaced samples of ``data`` (every class of a class-sorted folder is
    represented); all of it when ``count`` is 0, None or at least its length."""
    if not count or count >= len(data):
        return data
    return Subset(data, torch.linspace(0, len(data) - 1, count).round().long().tolist())


def _seed(*parts: int) -> int:
    """One generator seed from several integers."""
    value = 0
    for part in parts:
        value = (value * 1_000_003 + part) % (1 << 63)
    return value


class SeededBatches:
    """Shuffled batches of a training set, reproducible from ``seed``.

    Iterating gives pass 0: the same batches every time (so that every conversion, each
    preset and each T, calibrates on the same ones), of the images as stored (the plain
    images of an augmented set). :meth:`fresh` gives passes 1, 2, ... for methods that want
    new batches every iteration (FTBC): each a new shuffle, augmented with that pass's draws
    when ``data`` is an augmented set (``load_dataset(..., augment=True)``).
    """

    def __init__(self, data: Dataset, batch_size: int = 128, seed: int = 0):
        self.data, self.batch_size, self.seed = data, batch_size, seed

    def _order(self) -> list[int]:
        """Pass 0's order: a DataLoader's shuffle under ``seed``."""
        n = len(self.data)
        return next(iter(DataLoader(range(n), batch_size=max(n, 1), shuffle=True,
                                    generator=torch.Generator().manual_seed(self.seed)))).tolist()

    def __iter__(self):
        plain = self.data.base if isinstance(self.data, TransformedDataset) else self.data
        return iter(DataLoader(plain, batch_size=self.batch_size, sampler=self._order()))

    def __len__(self) -> int:
        return -(-len(self.data) // self.batch_size)

    def fresh(self, skip: int = 0, salt: int = 0) -> Iterator:
        """Endless full batches of passes 1, 2, ...; the images of pass 0's first ``skip``
        batches (held out) never appear. Pass p is shuffled under ``(seed, salt, p)``."""
        held = set(self._order()[:skip * self.batch_size])
        rest = torch.tensor([i for i in range(len(self.data)) if i not in held])
        if len(rest) < self.batch_size:
            raise DataError(f"the training set has {len(rest)} images besides the {skip} "
                            f"held-out batches: too few for one batch of {self.batch_size}")
        for p in itertools.count(1):
            order = rest[torch.randperm(len(rest), generator=torch.Generator().manual_seed(
                _seed(self.seed, salt, p)))].tolist()
            data = self.data
            if isinstance(data, TransformedDataset):  # this pass's augmentation draws
                data = TransformedDataset(data.base, data.transform, data.seed)
                data.set_epoch(p)
            yield from DataLoader(data, batch_size=self.batch_size, sampler=order, drop_last=True)
