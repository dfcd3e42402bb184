"""Bit-coded neuron of error-free conversion (docs/methods.md#bit-coded, reconstructed)."""

from __future__ import annotations

import torch
from torch import Tensor

from ann2snn.errors import MethodError
from ann2snn.functional.two_phase import bitcoded_fire, bitcoded_thresholds
from ann2snn.snn.neuron import neuron_kind, param_tensor
from ann2snn.snn.two_phase import TwoPhaseNeuron


@neuron_kind("bitcoded", "bit-coded")
class BitCodedNeuron(TwoPhaseNeuron):
    """Accumulate ``U = W a + b`` (the time-mean of the input currents plus the bias, which
    carries the shift ``λ/(2L)``), then fire the bits of ``U`` most significant first with
    ``θ_t = 2^{T-t}·λ/L``. A spike at step t is worth ``T·θ_t`` in the time-mean code, so
    the layer's mean output is ``Σ_t θ_t s[t] = (λ/L)·clamp(floor(U·L/λ), 0, L)``: the QCFS
    activation of the same input. Needs ``L = 2^T - 1``.
    """

    flexible_buffers = ("threshold", "bias")

    def spike_alphabet(self) -> str:
        return "{0, T·2^(T-t)·λ/L} at step t"

    def __init__(self, lam, levels: int, bias=0.0):
        super().__init__()
        self.levels = int(levels)
        self.register_buffer("threshold", param_tensor(lam))  # λ: the largest value a layer sends
        self.register_buffer("bias", param_tensor(bias))

    def fire(self, total: Tensor) -> tuple[Tensor, Tensor]:
        steps = self.steps
        u, lam = self._input(total)
        thresholds = bitcoded_thresholds(lam, self.levels, steps)  # [T, *lam.shape]
        thresholds = thresholds.reshape(steps, *([1] * (u.dim() - lam.dim())), *lam.shape)
        spikes = bitcoded_fire(u, thresholds)
        return spikes, spikes * thresholds * steps

    def mean_output(self, total: Tensor) -> Tensor:
        """``(λ/L)·clamp(floor(U·L/λ), 0, L)``: the value of the bits :meth:`fire` emits."""
        u, lam = self._input(total)
        return lam / self.levels * torch.clamp(torch.floor(u * self.levels / lam), 0, self.levels)

    def _input(self, total: Tensor) -> tuple[Tensor, Tensor]:
        """``U`` (time-mean input plus bias) and ``λ``; checks that ``T = log2(L + 1)``."""
        if 2**self.steps - 1 != self.levels:
            raise MethodError(
                f"this bit-coded layer has L = {self.levels} levels and runs only at "
                f"T = log2(L + 1); got T = {self.steps}"
            )
        one = total.unsqueeze(0)
        return total / self.steps + self.param(self.bias, one), self.param(self.threshold, one)

    def describe(self) -> str:
        return (f"λ={self.threshold.mean().item():.4g} L={self.levels} θ_t = 2^(T-t)·λ/L "
                "(two-phase: T per layer)")
