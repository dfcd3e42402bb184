"""Clip ReLU, ``a = clamp(z, 0, λ)`` with a trainable λ (docs/methods.md#activations)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ann2snn.ann.options import LAM
from ann2snn.functional.fused import clip_relu


class ClipReLU(nn.Module):
    """``a = clamp(z, 0, λ)``; λ is a trainable scalar (weight decay applies to it).

    The gradient reaches λ where ``z > λ``. Converts with ``θ = λ``.
    """

    def __init__(self, lam: float = LAM.default):
        super().__init__()
        self.lam = nn.Parameter(torch.tensor(float(lam)))

    def forward(self, z: Tensor) -> Tensor:
        return clip_relu(z, self.lam)

    def extra_repr(self) -> str:
        return f"lam={self.lam.item():.4g}"
