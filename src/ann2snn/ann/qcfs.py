"""QCFS activation (Bu et al., ICLR 2022; docs/methods.md#activations)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ann2snn.ann.options import LAM, LEVELS
from ann2snn.functional.fused import qcfs


class QCFS(nn.Module):
    """Quantisation-clip-floor-shift: ``a = λ · clamp(floor(z·L/λ + φ) / L, 0, 1)``.

    ``L`` levels, shift ``φ`` (1/2), trainable λ (start at 8: a small start can drive it
    negative), straight-through gradient for ``floor``. Converts with ``θ = λ``, ``v0 = θ·φ``.
    """

    def __init__(self, levels: int = LEVELS.default, lam: float = LAM.default, shift: float = 0.5):
        super().__init__()
        if int(levels) < 1:
            raise ValueError(f"QCFS levels must be >= 1, got {levels}")
        self.levels = int(levels)
        self.shift = float(shift)
        self.lam = nn.Parameter(torch.tensor(float(lam)))

    def forward(self, z: Tensor) -> Tensor:
        return qcfs(z, self.lam, self.levels, self.shift)

    def extra_repr(self) -> str:
        return f"levels={self.levels}, lam={self.lam.item():.4g}, shift={self.shift}"
