"""Temporal misalignment (docs/methods.md#permutation): permute spike trains along time."""

from __future__ import annotations

import torch
from torch import Tensor

PERMUTE_MODES = ("layer", "neuron")


def permute_time(x: Tensor, mode: str, generator: torch.Generator | None = None) -> Tensor:
    """Reorder ``x`` (``[T, B, ...]``) along time: one permutation of the ``T`` steps for the
    whole tensor (``layer``), or an independent one per neuron and sample (``neuron``).
    Per-neuron sums over time (spike counts) are unchanged."""
    steps = x.shape[0]
    if mode == "layer":
        return x[torch.randperm(steps, generator=generator, device=x.device)]
    if mode == "neuron":
        keys = torch.rand(x.shape, generator=generator, device=x.device)
        return x.gather(0, keys.argsort(dim=0))
    raise ValueError(f"permute must be one of {PERMUTE_MODES}, got {mode!r}")
