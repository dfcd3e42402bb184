"""Quantisers used by ANN activations and threshold search.

See docs/methods.md#activations and docs/methods.md#thresholds.
"""

from __future__ import annotations

import torch
from torch import Tensor


class _FloorSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # noqa: D401
        return torch.floor(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        return grad


def ste_floor(x: Tensor) -> Tensor:
    """``floor(x)`` with a straight-through (identity) gradient."""
    return _FloorSTE.apply(x)


def clip_floor(a: Tensor, steps: int, threshold: Tensor) -> Tensor:
    """``θ/T · floor(clamp(a·T/θ, 0, T))``: what an IF layer with ``v0 = 0`` transmits in ``T`` steps."""
    return threshold / steps * torch.floor(torch.clamp(a * steps / threshold, 0, steps))
