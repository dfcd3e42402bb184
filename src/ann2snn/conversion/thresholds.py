"""Thresholds for networks trained with plain ReLU (docs/methods.md#thresholds).

Each rule is an observer that sees activation batches ``a`` (``[B, C, ...]``) and returns a
threshold per layer ``[]`` or per channel ``[C]``:

- ``max``: the largest activation over all batches (Diehl et al. 2015);
- ``percentile``: the p-th percentile of the *non-zero* activations (as SNN Toolbox does,
  Rueckauer et al. 2017), computed per batch and averaged over batches;
- ``mse``: among ``max·(1 - 0.01 i)``, ``i = 0..94``, the one minimising
  ``||a - clipfloor(a; T, θ)||²`` (SNNC, Li et al. 2021), chosen per batch, averaged.
  Zeros add nothing to any candidate's error; of the rest, at most ``MSE_SAMPLES`` evenly
  strided values per layer (or channel) and batch are scored.

Channels that never fire during calibration get the layer's threshold; a layer that never
fires gets θ = 1 (any θ > 0 leaves it silent in the SNN too), and :attr:`ThresholdEstimator.
silent` says so: the conversion records it (``snn.info.silent``).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ann2snn.functional.quantize import clip_floor

RULES = ("max", "percentile", "mse")
MSE_SAMPLES = 1 << 15


def _per_channel(a: Tensor) -> Tensor:
    """``[B, C, ...]`` -> ``[C, B·...]``."""
    return a.transpose(0, 1).reshape(a.shape[1], -1) if a.dim() > 1 else a.reshape(1, -1)


def _percentile_nonzero(values: Tensor, p: float) -> Tensor:
    nz = values[values > 0]
    if nz.numel() == 0:
        return values.new_zeros(())
    k = max(1, min(nz.numel(), int(round(p / 100.0 * nz.numel()))))
    return nz.float().kthvalue(k).values


class ThresholdEstimator:
    """Accumulates one threshold rule over calibration batches."""

    def __init__(self, rule: str, *, per_channel: bool = False, percentile: float = 99.9,
                 steps: int | None = None):
        if rule not in RULES:
            raise ValueError(f"unknown threshold rule {rule!r}; choose one of {RULES}")
        if rule == "mse" and not steps:
            raise ValueError("the mse threshold rule needs the number of time steps T")
        self.rule, self.per_channel, self.p, self.steps = rule, per_channel, percentile, steps
        self.values: list[Tensor] = []
        self.maximum: Tensor | None = None
        #: after :meth:`result`: None, "layer" or "K of C channels" that never fired
        self.silent: str | None = None

    def __call__(self, a: Tensor) -> None:
        a = a.float()
        rows = _per_channel(a) if self.per_channel else a.reshape(1, -1)
        batch_max = rows.amax(dim=1)
        self.maximum = batch_max if self.maximum is None else torch.maximum(self.maximum, batch_max)
        if self.rule == "percentile":
            self.values.append(torch.stack([_percentile_nonzero(r, self.p) for r in rows]))
        elif self.rule == "mse":
            self.values.append(self._mse_best(rows, batch_max))

    def _mse_best(self, rows: Tensor, batch_max: Tensor) -> Tensor:
        if rows.shape[0] == 1:  # per layer: score the non-zero values only
            rows = rows[rows > 0].reshape(1, -1)
        cap = max(1024, MSE_SAMPLES // rows.shape[0])
        rows = rows[:, :: max(1, rows.shape[1] // cap)]
        fractions = 1 - 0.01 * torch.arange(95, dtype=rows.dtype, device=rows.device)
        theta = (batch_max[:, None] * fractions).clamp_min(1e-12)  # [rows, 95]
        err = (rows[:, None, :] - clip_floor(rows[:, None, :], self.steps, theta[:, :, None]))
        best = err.pow(2).sum(dim=2).argmin(dim=1)  # first minimum, as a scan from i = 0
        return theta.gather(1, best[:, None]).squeeze(1)

    def result(self) -> Tensor:
        """The threshold: ``[]`` per layer or ``[C]`` per channel."""
        if self.maximum is None:
            raise ValueError("no calibration batch was observed")
        theta = self.maximum if self.rule == "max" else torch.stack(self.values).mean(dim=0)
        if self.per_channel:
            dead = int((theta <= 0).sum())
            self.silent = None if not dead else "layer" if dead == theta.numel() else (
                f"{dead} of {theta.numel()} channels")
            layer = theta.max() if theta.max() > 0 else theta.new_tensor(1.0)
            return torch.where(theta > 0, theta, layer)
        theta = theta.reshape(())
        self.silent = None if theta > 0 else "layer"
        return theta if theta > 0 else theta.new_tensor(1.0)
