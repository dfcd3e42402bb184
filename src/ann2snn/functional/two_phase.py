"""Fire phases of two-phase neurons (accumulate first, then fire).

TPP (docs/methods.md#tpp, reconstructed): for ``t = 1..T``,
    ``p_t = clamp(k_t / (T - t + 1), 0, 1)``, ``s[t] ~ Bernoulli(p_t)``, ``k_{t+1} = k_t - s[t]``,
with the spike budget ``k_1 = g(V)``:

- ``floor``: ``k_1 = floor(V/θ)``: exactly clamp(floor(V/θ), 0, T) spikes at uniformly
  random steps (the same as ``V <- V - θ·s[t]`` with ``g(V) = floor(V/θ)``);
- ``rate``: ``k_1 = floor(V/θ + u)``, ``u ~ U[0, 1)`` once per neuron (stochastic rounding):
  E[count] = clamp(V/θ, 0, T) exactly;
- ``rate-sequential``: the literal sequential rule, ``p_t = clamp((V/θ)/(T-t+1), 0, 1)``
  with ``V <- V - θ·s[t]``. Once a spike takes V below 0 the remaining steps cannot fire,
  so its mean count is *above* V/θ for fractional V/θ (V = 0.3θ, T = 4: 0.505, not 0.3).

Bit-coded (docs/methods.md#bit-coded): for ``t = 1..T``, ``θ_t = 2^{T-t}·λ/L``,
    ``s[t] = 1[U >= θ_t]``, ``U <- U - θ_t·s[t]``,
so that ``Σ_t θ_t s[t] = (λ/L)·clamp(floor(U·L/λ), 0, L)`` with ``L = 2^T - 1``.
"""

from __future__ import annotations

import torch
from torch import Tensor

TPP_G = ("rate", "floor", "rate-sequential")


def tpp_fire(v: Tensor, threshold: Tensor, steps: int, g: str = "floor",
             generator: torch.Generator | None = None) -> Tensor:
    """Spikes ``[T, ...]`` of the TPP fire phase from accumulated potentials ``v``."""
    if g not in TPP_G:
        raise ValueError(f"TPP g must be one of {TPP_G}, got {g!r}")
    spikes = torch.empty((steps, *v.shape), dtype=v.dtype, device=v.device)

    def draw() -> Tensor:
        return torch.rand(v.shape, generator=generator, dtype=v.dtype, device=v.device)

    if g == "rate-sequential":
        v = v.clone()
        for t in range(steps):
            p = torch.clamp(v / threshold / (steps - t), 0.0, 1.0)
            spikes[t] = (draw() < p).to(v.dtype)
            v = v - threshold * spikes[t]
        return spikes
    budget = v / threshold if g == "floor" else v / threshold + draw()
    budget = torch.clamp(torch.floor(budget), 0, steps)
    for t in range(steps):
        spikes[t] = (draw() * (steps - t) < budget).to(v.dtype)  # p_t = k_t / (T - t + 1)
        budget = budget - spikes[t]
    return spikes


def bitcoded_thresholds(lam: Tensor, levels: int, steps: int) -> Tensor:
    """``θ_t = 2^{T-t}·λ/L`` for ``t = 1..T``, shape ``[T, *lam.shape]``."""
    powers = 2.0 ** torch.arange(steps - 1, -1, -1, dtype=lam.dtype, device=lam.device)
    return powers.view(-1, *([1] * lam.dim())) * (lam / levels)


def bitcoded_fire(u: Tensor, thresholds: Tensor) -> Tensor:
    """Spikes ``[T, ...]``: the bits of ``u`` most significant first, for halving thresholds."""
    u = u.clone()
    spikes = torch.empty((thresholds.shape[0], *u.shape), dtype=u.dtype, device=u.device)
    for t in range(thresholds.shape[0]):
        spikes[t] = (u >= thresholds[t]).to(u.dtype)
        u = u - thresholds[t] * spikes[t]
    return spikes
