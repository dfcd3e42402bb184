"""Deterministic subsets and calibration batches."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset, Subset


def evenly_spaced(data: Dataset, count: int | None) -> Dataset:
    """``count`` evenly spaced samples of ``data`` (every class of a class-sorted folder is
    represented); all of it when ``count`` is 0, None or at least its length."""
    if not count or count >= len(data):
        return data
    return Subset(data, torch.linspace(0, len(data) - 1, count).round().long().tolist())


class SeededBatches:
    """Shuffled batches of ``data`` that restart from the same seed on every pass, so that
    every conversion (each preset, each T) calibrates on the same batches."""

    def __init__(self, data: Dataset, batch_size: int = 128, seed: int = 0):
        self.data, self.batch_size, self.seed = data, batch_size, seed

    def __iter__(self):
        return iter(DataLoader(self.data, batch_size=self.batch_size, shuffle=True,
                               generator=torch.Generator().manual_seed(self.seed)))

    def __len__(self) -> int:
        return -(-len(self.data) // self.batch_size)
