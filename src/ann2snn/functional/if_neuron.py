"""Integrate-and-fire neuron with reset by subtraction (docs/methods.md#if-neuron).

    m[t] = v[t-1] + I[t] + beta[t]
    s[t] = 1[m[t] >= theta]
    v[t] = m[t] - theta * s[t],          v[0] = v0

:func:`if_step` on typed :class:`IFParameters` and :class:`IFState` is the specification
(FTBC's calibration runs it); :func:`if_multistep` and :func:`if_run_` are the fast forms,
tested equal to it (docs/methods.md#simulation).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class IFParameters(NamedTuple):
    """``threshold`` θ; ``v0`` the initial potential; ``bias`` the current added this step
    (``b + β[t]``). Each broadcasts against one step's input."""

    threshold: Tensor
    v0: Tensor | float = 0.0
    bias: Tensor | float = 0.0


class IFState(NamedTuple):
    """The membrane potential ``v[t]``."""

    v: Tensor


def if_init(like: Tensor, p: IFParameters) -> IFState:
    """``v[0] = v0``, shaped like one step's input."""
    v = torch.empty_like(like)
    v.copy_(torch.as_tensor(p.v0, dtype=v.dtype, device=v.device).expand_as(v))
    return IFState(v)


def if_step(current: Tensor, state: IFState, p: IFParameters) -> tuple[Tensor, IFState]:
    """One step, ``m = (v + I) + bias``, ``s = 1[m >= θ]``, ``v' = m - θ·s``: returns the
    output ``θ·s`` and the next state (the simulator's order of additions, so its results
    are equal bit for bit)."""
    m = (state.v + current) + p.bias
    out = (m >= p.threshold).to(current.dtype) * p.threshold
    return out, IFState(m - out)


def if_multistep(
    currents: Tensor,
    threshold: Tensor,
    v0: Tensor | float = 0.0,
    step_bias: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Run ``T`` steps on ``currents`` of shape ``[T, ...]`` from ``v0``.

    ``threshold``, ``v0`` and ``step_bias[t]`` broadcast against one step ``currents[t]``.
    Returns ``(spikes [T, ...], v_final)``: :func:`if_run_` with the spikes kept.
    """
    v = if_init(currents[0], IFParameters(threshold, v0)).v
    spikes = torch.empty_like(currents)
    if_run_(currents, threshold, v, step_bias, spikes)
    return spikes, v


def if_run_(currents: Tensor, threshold: Tensor, v: Tensor, step_bias: Tensor | None = None,
            spikes: Tensor | None = None, unit: bool = False) -> Tensor:
    """Run ``T`` steps of ``currents [T, ...]`` from the membrane ``v``, updated in place.

    Returns the outputs ``θ·s[t]`` ``[T, ...]`` (``unit``: ``s[t]`` itself, for a consumer
    that holds θ in its weights); writes ``s`` (0/1) into ``spikes`` if given. Four in-place
    passes per step (``v += I``, ``out = 1[v >= θ]``, ``out *= θ``, ``v -= out``; ``unit``:
    three, ``v -= θ·out`` in one; with ``spikes``: ``spikes = 1[v >= θ]``, ``out = θ·spikes``,
    no copy), one more with ``step_bias`` (added as ``(v + I) + β[t]``):
    no temporaries, no separate ``θ·s`` pass, no host synchronisation. ``v`` is the same
    either way, bit for bit (``θ·1`` and ``θ·0`` are exact).
    """
    values = torch.empty_like(currents)
    for t in range(currents.shape[0]):
        v.add_(currents[t])
        if step_bias is not None:
            v.add_(step_bias[t])
        out = values[t]
        if spikes is not None and not unit:  # s kept: written once, θ·s made from it
            torch.ge(v, threshold, out=spikes[t])
            torch.mul(spikes[t], threshold, out=out)
            v.sub_(out)
            continue
        torch.ge(v, threshold, out=out)  # s as 0/1 in the output dtype: no conversion pass
        if spikes is not None:
            spikes[t].copy_(out)
        if unit:
            v.addcmul_(out, threshold, value=-1)
            continue
        out.mul_(threshold)
        v.sub_(out)
    return values


def if_spike_count(z: Tensor, threshold: Tensor, v0: Tensor | float, steps: int) -> Tensor:
    """Closed-form spike count for a constant input ``z``: ``clip(floor((T z + v0)/θ), 0, T)``.

    Exact when ``0 <= v0 < θ`` (the IF neuron fires at most once per step).
    """
    return torch.clamp(torch.floor((steps * z + v0) / threshold), 0, steps)
