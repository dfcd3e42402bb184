"""IF neuron layer, reset by subtraction (docs/methods.md#if-neuron)."""

from __future__ import annotations

from functools import partial

import torch
from torch import Tensor

from ann2snn.errors import MethodError
from ann2snn.functional.if_neuron import if_run_
from ann2snn.functional.multi_threshold import signed_if_fire
from ann2snn.snn.coding import coded_run
from ann2snn.snn.neuron import SpikingNeuron, neuron_kind, param_tensor, runs_in_chunks


@neuron_kind("if", "IF")
class IFNeuron(SpikingNeuron):
    """``m[t] = v[t-1] + I[t] + b + β[t]``, ``s[t] = 1[m[t] >= θ]``, ``v[t] = m[t] - θ·s[t]``.

    ``threshold`` per layer ``[]`` or per channel ``[C]``; ``v0`` absolute, per layer,
    channel or neuron; ``bias`` a constant current per channel (RTS shift, SNNC light);
    ``step_bias`` ``[T, C]`` a per-step bias (FTBC). Outputs ``θ·s``.
    """

    flexible_buffers = ("threshold", "v0", "bias", "step_bias")

    def __init__(self, threshold, v0=0.0, bias=0.0, step_bias: Tensor | None = None,
                 coding: str = "rate"):
        super().__init__()
        self._has_bias = False
        #: ``diff``: differential coding, signed spikes ±θ (docs/methods.md#differential-coding)
        self.coding, self.t_max = coding, None
        self.register_buffer("threshold", param_tensor(threshold))
        self.register_buffer("v0", param_tensor(v0))
        self.register_buffer("bias", param_tensor(bias))
        self.register_buffer("step_bias", None if step_bias is None else param_tensor(step_bias))

    @property
    def uniform_in_time(self) -> bool:  # type: ignore[override]
        return self.step_bias is None and self.permute is None

    @property
    def chunkable(self) -> bool:  # type: ignore[override]
        return runs_in_chunks("if", self.permute)

    @property
    def outputs_scaled_spikes(self) -> bool:  # type: ignore[override]
        return self.coding == "rate" and self.permute is None

    def dynamics(self, currents: Tensor) -> tuple[Tensor | None, Tensor]:
        """``m[t] = (v[t-1] + I[t]) + (b + β[t])``; spikes only when someone records them."""
        theta = self.param(self.threshold, currents)
        if self.coding == "diff":
            fire = partial(signed_if_fire, theta=theta)
            return coded_run(self, currents, lambda m, sent: fire(m, sent=sent),
                             self.param(self.v0, currents))
        if self.offset == 0:  # one host check per run, none per step
            self._has_bias = bool(self.bias.ne(0).any())
            self.state = torch.empty_like(currents[0])
            self.state.copy_(self.param(self.v0, currents).expand_as(self.state))
        extra = self._step_bias(currents)
        if self._has_bias:
            bias = self.param(self.bias, currents)
            extra = bias.expand(currents.shape[0], *bias.shape) if extra is None else extra + bias
        if self.unit_output:  # the outputs are the 0/1 spikes: one tensor serves both
            values = if_run_(currents, theta, self.state, extra, None, True)
            return values, values
        spikes = torch.empty_like(currents) if self.observer is not None else None
        return spikes, if_run_(currents, theta, self.state, extra, spikes)

    def _step_bias(self, currents: Tensor) -> Tensor | None:
        if self.step_bias is None:
            return None
        end = self.offset + currents.shape[0]
        if self.step_bias.shape[0] < end:
            raise MethodError(
                f"this IF layer was calibrated with per-step biases for T <= "
                f"{self.step_bias.shape[0]}, but runs T = {end}; calibrate again at T = {end}"
            )
        sample_ndim = currents.dim() - 2
        bias = self.step_bias[self.offset:end]
        if bias.dim() == 2 and sample_ndim > 1:
            bias = bias.reshape(*bias.shape, *([1] * (sample_ndim - 1)))
        return bias.to(currents.dtype)

    def spike_alphabet(self) -> str:
        return "{0, ±θ}" if self.coding == "diff" else "{0, θ}"

    def describe(self) -> str:
        th = self.threshold
        theta = f"{th.item():.4g}" if th.numel() == 1 else (
            f"[{th.numel()} ch] {th.min().item():.3g}..{th.max().item():.3g}")
        v0 = self.v0
        if v0.numel() == 1:
            frac = v0.item() / th.mean().item() if th.numel() == 1 else None
            v0s = f"{v0.item():.4g}" + (f" ({frac:.2g}θ)" if frac is not None else "")
        else:
            v0s = f"[{v0.numel()}] mean {v0.mean().item():.3g}"
        extra = ""
        if self.bias.abs().sum() > 0:
            extra += f" bias mean {self.bias.mean().item():.3g}"
        if self.step_bias is not None:
            extra += f" β[{self.step_bias.shape[0]} steps]"
        return f"θ={theta} v0={v0s}{extra}" + (" diff coding" if self.coding == "diff" else "")
