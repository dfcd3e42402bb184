"""Integrate-and-fire neuron with reset by subtraction (docs/methods.md#if-neuron).

    m[t] = v[t-1] + I[t] + beta[t]
    s[t] = 1[m[t] >= theta]
    v[t] = m[t] - theta * s[t],          v[0] = v0

:func:`if_step` is the specification; :func:`if_multistep` and :func:`if_run_` are the
fast forms, tested equal to it (docs/methods.md#simulation).
"""

from __future__ import annotations

import torch
from torch import Tensor


def if_step(v: Tensor, current: Tensor, threshold: Tensor) -> tuple[Tensor, Tensor]:
    """One step: returns ``(spike, v_next)`` with spikes in {0, 1}."""
    m = v + current
    spike = (m >= threshold).to(current.dtype)
    return spike, m - threshold * spike


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
    v = torch.empty_like(currents[0])
    v.copy_(torch.as_tensor(v0, dtype=v.dtype, device=v.device).expand_as(v))
    spikes = torch.empty_like(currents)
    if_run_(currents, threshold, v, step_bias, spikes)
    return spikes, v


def if_run_(currents: Tensor, threshold: Tensor, v: Tensor, step_bias: Tensor | None = None,
            spikes: Tensor | None = None) -> Tensor:
    """Run ``T`` steps of ``currents [T, ...]`` from the membrane ``v``, updated in place.

    Returns the outputs ``θ·s[t]`` ``[T, ...]``; writes ``s`` (0/1) into ``spikes`` if given.
    Four in-place passes per step (``v += I``, ``out = 1[v >= θ]``, ``out *= θ``,
    ``v -= out``) and one more with ``step_bias`` (added as ``(v + I) + β[t]``): no
    temporaries, no separate ``θ·s`` pass, no host synchronisation.
    """
    values = torch.empty_like(currents)
    for t in range(currents.shape[0]):
        v.add_(currents[t])
        if step_bias is not None:
            v.add_(step_bias[t])
        out = values[t]
        torch.ge(v, threshold, out=out)  # s as 0/1 in the output dtype: no conversion pass
        if spikes is not None:
            spikes[t].copy_(out)
        out.mul_(threshold)
        v.sub_(out)
    return values


def if_spike_count(z: Tensor, threshold: Tensor, v0: Tensor | float, steps: int) -> Tensor:
    """Closed-form spike count for a constant input ``z``: ``clip(floor((T z + v0)/θ), 0, T)``.

    Exact when ``0 <= v0 < θ`` (the IF neuron fires at most once per step).
    """
    return torch.clamp(torch.floor((steps * z + v0) / threshold), 0, steps)
