"""Thresholds for networks trained with plain ReLU (docs/methods.md#thresholds).

Each rule is an observer that sees activation batches ``a`` (``[B, C, ...]``) and returns a
threshold per layer ``[]`` or per channel ``[C]``:

- ``max``: the largest activation over all batches (Diehl et al. 2015);
- ``percentile``: the p-th percentile of the *non-zero* activations (as SNN Toolbox does,
  Rueckauer et al. 2017), computed per batch and averaged over batches;
- ``mse``: among ``max·(1 - 0.01 i)``, ``i = 0..94``, the one minimising
  ``||a - clipfloor(a; T, θ)||²`` (SNNC, Li et al. 2021), chosen per batch, averaged.
  Zeros add nothing to any candidate's error; of the rest, at most ``MSE_SAMPLES`` evenly
  strided values per layer (or channel) and batch are scored;
- ``iterative``: the fixed point of ``θ ← E[x⁺·Q(x/θ)] / E[Q(x/θ)²]`` under a Gaussian fit
  ``x ~ N(μ, σ²)`` of the *pre-activation* (mean and variance pooled over all batches), with
  ``Q`` the uniform quantiser of ``n`` levels: the θ minimising ``E[(relu(x) − θ·Q(x/θ))²]``
  (DCGS, Huang et al. 2025; docs/methods.md#threshold-iteration).

Channels that never fire during calibration get the layer's threshold; a layer that never
fires gets θ = 1 (any θ > 0 leaves it silent in the SNN too), and :attr:`ThresholdEstimator.
silent` says so: the conversion records it (``snn.info.silent``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ann2snn.functional.quantize import clip_floor

RULES = ("max", "percentile", "mse", "iterative")
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
                 steps: int | None = None, levels: int | None = None):
        if rule not in RULES:
            raise ValueError(f"unknown threshold rule {rule!r}; choose one of {RULES}")
        if rule == "mse" and not steps:
            raise ValueError("the mse threshold rule needs the number of time steps T")
        if rule == "iterative" and not levels:
            raise ValueError("the iterative threshold rule needs the quantiser's levels n")
        self.rule, self.per_channel, self.p, self.steps = rule, per_channel, percentile, steps
        self.levels = levels
        #: what the rule sees: the activation's output, or its input (the pre-activation)
        self.observes = "input" if rule == "iterative" else "output"
        self.moments: Tensor | None = None  # Σ1, Σx, Σx² per row (iterative)
        self.values: list[Tensor] = []
        self.maximum: Tensor | None = None
        #: after :meth:`result`: None, "layer" or "K of C channels" that never fired
        self.silent: str | None = None

    def __call__(self, a: Tensor) -> None:
        a = a.float()
        rows = _per_channel(a) if self.per_channel else a.reshape(1, -1)
        if self.rule == "iterative":
            r = rows.double()
            found = torch.stack([torch.full_like(r[:, 0], r.shape[1]), r.sum(1), (r * r).sum(1)])
            self.moments = found if self.moments is None else self.moments + found
            rows = rows.clamp_min(0)
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
        if self.rule == "iterative":
            count, total, squares = self.moments
            mean = total / count
            theta = iterate_threshold(mean, (squares / count - mean * mean).clamp_min(0),
                                      self.levels).float()
        else:
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


def _quantiser_moments(mean: Tensor, std: Tensor, theta: Tensor, levels: int):
    """``(E[x⁺·Q], E[Q²])`` for ``x ~ N(mean, std²)`` and ``Q(x) = #{i: x ≥ c_i}/n``,
    ``c_i = (2i − 1)θ/(2n)``: ``P_i = P(x ≥ c_i)``, ``E[Q²] = Σ_i (2i − 1)·P_i / n²``,
    ``E[x·Q] = Σ_i (μ·P_i + σ·φ((c_i − μ)/σ)) / n``."""
    i = torch.arange(1, levels + 1, dtype=mean.dtype, device=mean.device)
    c = (2 * i - 1) / (2 * levels) * theta[:, None]
    z = (c - mean[:, None]) / std[:, None]
    tail = 0.5 * torch.erfc(z / math.sqrt(2))
    density = torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    ex_q = (mean[:, None] * tail + std[:, None] * density).sum(1) / levels
    eq2 = ((2 * i - 1) * tail).sum(1) / levels**2
    return ex_q, eq2


def _gaussian_mse(mean: Tensor, std: Tensor, theta: Tensor, levels: int) -> Tensor:
    """``E[(x⁺ − θ·Q(x/θ))²] = E[x⁺²] − 2θ·E[x⁺Q] + θ²·E[Q²]`` per row, for ``θ [rows, G]``."""
    rows, grid = theta.shape
    m, sd = mean[:, None].expand(rows, grid).reshape(-1), std[:, None].expand(rows, grid).reshape(-1)
    ex_q, eq2 = _quantiser_moments(m, sd, theta.reshape(-1), levels)
    r = mean / std
    phi = torch.exp(-0.5 * r * r) / math.sqrt(2 * math.pi)
    ex2 = (mean * mean + std * std) * 0.5 * torch.erfc(-r / math.sqrt(2)) + mean * std * phi
    t = theta.reshape(-1)
    return ex2[:, None] - (2 * t * ex_q - t * t * eq2).reshape(rows, grid)


def iterate_threshold(mean: Tensor, var: Tensor, levels: int, *, grid: int = 64,
                      rounds: int = 4) -> Tensor:
    """Per row, the θ where ``E[(relu(x) − θQ(x/θ))²]`` (x ~ N(mean, var), ``n = levels``) is
    least: the fixed point of ``θ ← E[x⁺·Q] / E[Q²]`` (the moving midpoints add nothing:
    both neighbouring levels err by ``θ/2n`` there), found by minimising the analytic error
    on a grid over ``(0, μ⁺ + 10σ]`` refined ``rounds`` times around its best point (the
    fixed-point iteration itself converges slowly for large ``n``: 500 steps leave θ 15 %
    short at n = 1024). A row with no positive mass to speak of (``μ + 5σ ≤ 0``) gets 0
    (the estimator gives it the layer's θ)."""
    mean, var = mean.double(), var.double()
    std = var.sqrt().clamp_min(1e-12)
    alive = mean + 5 * std > 0
    low, high = torch.zeros_like(mean), mean.clamp_min(0) + 10 * std
    steps = torch.arange(1, grid + 1, dtype=mean.dtype) / grid
    theta = high
    for _ in range(rounds):
        candidates = low[:, None] + (high - low)[:, None] * steps
        errors = _gaussian_mse(mean, std, candidates, levels)
        best = errors.argmin(dim=1)
        theta = candidates.gather(1, best[:, None]).squeeze(1)
        width = (high - low) / grid
        low, high = (theta - width).clamp_min(1e-12 * high), theta + width
    return torch.where(alive & torch.isfinite(theta), theta, torch.zeros_like(theta))
