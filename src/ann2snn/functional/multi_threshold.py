"""Multi-threshold neurons and differential coding as pure functions
(docs/methods.md#multi-threshold, docs/methods.md#differential-coding).

A multi-threshold (MT) neuron with ``N`` thresholds fires at most one signed *graded* spike
per step, from ``{0, ±θ/2^k, k = 0..N-1}``:

- ``+θ/2^k`` for the smallest ``k`` with ``m ≥ ¾·θ/2^k``;
- else ``−θ/2^k`` for the smallest ``k`` with ``m ≤ −¾·θ/2^k`` and ``sent ≥ θ/2^k`` (what it
  has sent so far: it never sends a negative total);

and subtracts the spike from ``m``. Differential coding runs any such firing rule on the
*rate picture*: the neuron sees the currents its ANN layer would (``I_t = W·y_t + b`` of the
layer below's outputs ``y``), keeps the running mean ``ȳ`` of what it has sent, and at step
``t`` integrates ``I_t − ȳ_{t−1}``, fires ``s_t``, and sends ``s_t`` (the change of its mean
rate); the layer above receives ``y_t = ȳ_{t−1} + s_t``. This equals the official code's
step-0-bias formulation term by term (the derivation is in the docs).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

#: a firing rule ``(m, sent) -> spike value`` (graded, signed)
Fire = Callable[[Tensor, Tensor | None], Tensor]


#: each float type's integer type of the same width, and its mantissa bits
_LAYOUT = {torch.float64: (torch.int64, 52), torch.float32: (torch.int32, 23),
           torch.float16: (torch.int16, 10), torch.bfloat16: (torch.int16, 7)}


def _bits(x: Tensor) -> Tensor:
    return x.view(_LAYOUT[x.dtype][0])


def smallest_halving(x: Tensor, c: Tensor) -> Tensor:
    """The smallest integer ``k ≥ 0`` with ``x ≥ c·2^-k``, exactly, for positive normal
    floats: their bit patterns, read as integers, order as their values, and ``·2^-k``
    subtracts ``k`` from the exponent field, so ``k = ⌈(bits(c) − bits(x)) / 2^p⌉`` (``p``
    mantissa bits), clamped at 0. Meaningless where ``x ≤ 0``: mask it."""
    p = _LAYOUT[x.dtype][1]
    return ((_bits(c) - _bits(x)).add_((1 << p) - 1) >> p).clamp_min_(0)


def halved(theta: Tensor, k: Tensor) -> Tensor:
    """``θ·2^-k`` by the exponent field (exact while the result is a normal float)."""
    return (_bits(theta) - (k << _LAYOUT[theta.dtype][1])).view(theta.dtype)


def mt_fire(m: Tensor, theta: Tensor, thresholds: int, sent: Tensor | None) -> Tensor:
    """The MT neuron's spike for potentials ``m`` (``sent`` None: no negative spikes), in
    closed form: ``k`` is the smallest with ``|m| ≥ ¾θ·2^-k`` (:func:`smallest_halving`: the
    same bounds as comparing level by level, since scaling by ``2^-k`` is exact); a negative
    spike also needs ``sent ≥ θ·2^-k``, so its ``k`` is the larger of the two; a spike fires
    where ``k < N``. The same number of passes for any ``N``."""
    theta = theta.to(m.dtype)  # one layout for the bit arithmetic
    k = smallest_halving(m.abs(), theta * 0.75)
    fires = m > 0
    if sent is not None:
        negative = (m < 0) & (sent > 0)
        torch.maximum(k, smallest_halving(sent, theta).mul_(negative), out=k)
        fires |= negative
    fires &= k < thresholds
    level = halved(theta, k.clamp_max_(thresholds))  # a normal float everywhere: no NaN · 0
    return torch.copysign(level, m).mul_(fires)


def signed_if_fire(m: Tensor, theta: Tensor, sent: Tensor | None) -> Tensor:
    """IF under differential coding: ``+θ`` when ``m ≥ θ``; ``−θ`` when ``m ≤ 0`` and
    ``sent ≥ θ`` (potentials start at ``θ/2``, so both bounds are ``θ/2`` from the start)."""
    spike = (m >= theta).to(m.dtype)
    if sent is not None:
        spike.sub_(((m <= 0) & (sent >= theta)).to(m.dtype))
    return spike.mul_(theta)


def coding_init(like: Tensor, v0: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The state ``(m, ȳ, sent)`` before step 1: ``m = v0``, nothing sent."""
    m = torch.zeros_like(like) + v0
    return m, torch.zeros_like(m), torch.zeros_like(m)


def rate_run(currents: Tensor, fire: Fire, state: tuple, offset: int = 0
             ) -> tuple[Tensor, Tensor, tuple]:
    """Rate coding: ``m += I_t``, ``s_t = fire(m, sent)``, ``m -= s_t``, ``sent += s_t``.
    ``[T, B, ...]`` currents from step ``offset + 1`` on, and the state before them ->
    ``(spikes s, outputs s, state after)``."""
    m, mean, sent = state
    out = torch.empty_like(currents)
    for t in range(currents.shape[0]):
        m = m + currents[t]
        s = fire(m, sent)
        m = m - s
        sent = sent + s
        out[t] = s
    return out, out, (m, mean, sent)


def diff_run(currents: Tensor, fire: Fire, state: tuple, offset: int = 0
             ) -> tuple[Tensor, Tensor, tuple]:
    """Differential coding (module docstring): ``[T, B, ...]`` rate-picture currents from
    step ``offset + 1`` on -> ``(sent spikes s_t, outputs y_t = ȳ_{t−1} + s_t, state)``;
    ``ȳ`` is the mean rate sent so far, ``sent`` the total ``Σ y``."""
    m, mean, sent = state
    spikes, out = torch.empty_like(currents), torch.empty_like(currents)
    for t in range(currents.shape[0]):
        m = m + currents[t] - mean
        sent = sent + mean
        s = fire(m, sent)
        m = m - s
        sent = sent + s
        out[t] = mean + s
        spikes[t] = s
        mean = mean + s / (offset + t + 1)
    return spikes, out, (m, mean, sent)
