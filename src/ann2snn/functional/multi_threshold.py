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


def mt_fire(m: Tensor, theta: Tensor, thresholds: int, sent: Tensor | None) -> Tensor:
    """The MT neuron's spike for potentials ``m`` (``sent`` None: no negative spikes)."""
    spike = torch.zeros_like(m)
    for k in reversed(range(thresholds)):  # the smallest k that fires wins: written last
        level = theta / 2**k
        spike = torch.where(m >= level * 0.75, level, spike)
        if sent is not None:
            spike = torch.where((m <= -(level * 0.75)) & (sent >= level), -level, spike)
    return spike


def signed_if_fire(m: Tensor, theta: Tensor, sent: Tensor | None) -> Tensor:
    """IF under differential coding: ``+θ`` when ``m ≥ θ``; ``−θ`` when ``m ≤ 0`` and
    ``sent ≥ θ`` (potentials start at ``θ/2``, so both bounds are ``θ/2`` from the start)."""
    spike = torch.where(m >= theta, theta, torch.zeros_like(m))
    if sent is not None:
        spike = torch.where((m <= 0) & (sent >= theta), -theta, spike)
    return spike


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
