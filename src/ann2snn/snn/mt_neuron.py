"""Multi-threshold neuron, under rate or differential coding (docs/methods.md#multi-threshold)."""

from __future__ import annotations

from functools import partial

from torch import Tensor

from ann2snn.functional.multi_threshold import mt_fire
from ann2snn.snn.coding import coded_run
from ann2snn.snn.neuron import SpikingNeuron, neuron_kind, param_tensor, runs_in_chunks


@neuron_kind("mt", "MT")
class MTNeuron(SpikingNeuron):
    """``m[t] = m[t-1] + I[t]``; one signed graded spike ``±θ/2^k`` (``k < N``) per step,
    negative only while the total sent covers it; ``m -= spike`` (functional/multi_threshold.py).
    ``coding="diff"``: the rate picture of differential coding. Thresholds per layer or per
    channel; ``t_max``: the largest T they were computed for (None: any)."""

    flexible_buffers = ("threshold", "v0")

    def __init__(self, threshold, thresholds: int = 4, v0=0.0, coding: str = "rate",
                 t_max: int | None = None):
        super().__init__()
        self.thresholds, self.coding, self.t_max = int(thresholds), coding, t_max
        self.register_buffer("threshold", param_tensor(threshold))
        self.register_buffer("v0", param_tensor(v0))

    @property
    def chunkable(self) -> bool:  # type: ignore[override]
        return runs_in_chunks("mt", self.permute)

    def dynamics(self, currents: Tensor) -> tuple[Tensor | None, Tensor]:
        theta = self.param(self.threshold, currents)
        fire = partial(mt_fire, theta=theta, thresholds=self.thresholds)
        return coded_run(self, currents, lambda m, sent: fire(m, sent=sent),
                         self.param(self.v0, currents))

    def spike_alphabet(self) -> str:
        return f"{{0, ±θ/2^k, k < {self.thresholds}}}"

    def describe(self) -> str:
        th = self.threshold
        theta = f"{th.item():.4g}" if th.numel() == 1 else (
            f"[{th.numel()} ch] {th.min().item():.3g}..{th.max().item():.3g}")
        return f"θ={theta} N={self.thresholds} {self.coding} coding"
