"""Two-phase probabilistic (TPP) neuron (docs/methods.md#tpp, reconstructed)."""

from __future__ import annotations

import torch
from torch import Tensor

from ann2snn.functional.two_phase import TPP_G, tpp_fire
from ann2snn.snn.neuron import neuron_kind, param_tensor
from ann2snn.snn.two_phase import TwoPhaseNeuron


@neuron_kind("tpp", "TPP")
class TPPNeuron(TwoPhaseNeuron):
    """Accumulate ``V = v0 + Σ_t (I[t] + b)``, then fire ``T`` Bernoulli steps from the spike
    budget ``k_1 = g(V)``: ``p_t = clamp(k_t/(T - t + 1), 0, 1)``, ``k_{t+1} = k_t - s[t]``;
    outputs ``θ·s`` (docs/methods.md#tpp).

    ``g = "floor"`` (default): exactly clamp(floor(V/θ), 0, T) spikes at random steps, the
    IF train permuted (use v0 = θ/2); ``g = "rate"``: stochastic rounding of V/θ, so
    E[count] = clamp(V/θ, 0, T) (use v0 = 0). Seeded per layer.
    """

    flexible_buffers = ("threshold", "v0", "bias")

    def __init__(self, threshold, v0=0.0, bias=0.0, g: str = "floor"):
        super().__init__()
        if g not in TPP_G:
            raise ValueError(f"TPP g must be one of {TPP_G}, got {g!r}")
        self.g = g
        self.register_buffer("threshold", param_tensor(threshold))
        self.register_buffer("v0", param_tensor(v0))
        self.register_buffer("bias", param_tensor(bias))

    def fire(self, total: Tensor) -> tuple[Tensor, Tensor]:
        theta, v = self._potential(total)
        spikes = tpp_fire(v, theta, self.steps, self.g, self.generator(total.device))
        return spikes, spikes * theta

    def mean_output(self, total: Tensor) -> Tensor | None:
        """``g = floor``: ``θ·clamp(floor(V/θ), 0, T)/T`` whatever steps the spikes take."""
        if self.g != "floor":
            return None
        theta, v = self._potential(total)
        return theta * torch.clamp(torch.floor(v / theta), 0, self.steps) / self.steps

    def spike_counts(self, total: Tensor) -> Tensor | None:
        """``g = floor``: ``clamp(floor(V/θ), 0, T)``, the budget :func:`tpp_fire` spends."""
        if self.g != "floor":
            return None
        theta, v = self._potential(total)
        return torch.clamp(torch.floor(v / theta), 0, self.steps)

    def _potential(self, total: Tensor) -> tuple[Tensor, Tensor]:
        one = total.unsqueeze(0)
        theta = self.param(self.threshold, one)
        return theta, total + self.param(self.v0, one) + self.steps * self.param(self.bias, one)

    def describe(self) -> str:
        th = self.threshold
        theta = f"{th.item():.4g}" if th.numel() == 1 else f"[{th.numel()} ch]"
        return f"θ={theta} g={self.g} v0 mean {self.v0.mean().item():.3g} (two-phase: T per layer)"
