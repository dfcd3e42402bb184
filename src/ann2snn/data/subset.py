"""Deterministic subsets for quick evaluations."""

from __future__ import annotations

import torch
from torch.utils.data import Dataset, Subset


def evenly_spaced(data: Dataset, count: int | None) -> Dataset:
    """``count`` evenly spaced samples of ``data`` (every class of a class-sorted folder is
    represented); all of it when ``count`` is 0, None or at least its length."""
    if not count or count >= len(data):
        return data
    return Subset(data, torch.linspace(0, len(data) - 1, count).round().long().tolist())
