"""Activation factory, so that models take their activation as a choice."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from ann2snn.ann.clip_relu import ClipReLU
from ann2snn.ann.qcfs import QCFS

ACTIVATIONS: dict[str, Callable[..., nn.Module]] = {
    "relu": lambda **_: nn.ReLU(),
    "clip": lambda lam=8.0, **_: ClipReLU(lam=lam),
    "qcfs": lambda levels=4, lam=8.0, **_: QCFS(levels=levels, lam=lam),
}


def make_activation(name: str, **options) -> nn.Module:
    """A fresh activation module: ``relu``, ``clip`` (λ) or ``qcfs`` (levels, λ)."""
    try:
        factory = ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of: {known}") from None
    return factory(**options)
