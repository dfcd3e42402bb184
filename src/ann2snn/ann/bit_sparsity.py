"""Bit-sparsity regulariser for error-free conversion (docs/methods.md#bit-sparsity).

``loss = CE + β · Σ_layers Σ_neurons popcount(q)``, ``q = round(a·L/λ)`` the integer level of
each QCFS activation. ``popcount`` has no gradient; its surrogate is 1 per unit of ``q``
(so ``∂/∂a = β·L/λ``). Fewer set bits means fewer spikes in the bit-coded SNN.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ann2snn.ann.qcfs import QCFS


def popcount(q: Tensor, bits: int) -> Tensor:
    """Number of set bits of the non-negative integers in ``q`` (any dtype), ``bits`` wide."""
    q = q.to(torch.int64)
    count = torch.zeros_like(q)
    for b in range(bits):
        count += (q >> b) & 1
    return count


def bit_sparsity(a: Tensor, lam: Tensor, levels: int) -> Tensor:
    """``Σ popcount(round(a·L/λ))`` with a straight-through gradient of 1 per unit of ``q``."""
    q_real = a * levels / lam
    q = torch.round(q_real.detach()).clamp(0, levels)
    bits = max(1, int(levels).bit_length())
    count = popcount(q, bits).to(a.dtype)
    return (count + (q_real - q_real.detach())).sum()


class BitSparsityRegularizer:
    """Collects every QCFS activation of ``model`` during its forward pass; calling it
    returns ``β·Σ popcount(q)`` for the last pass (and clears what it collected)::

        reg = BitSparsityRegularizer(model, beta=1e-8)
        loss = F.cross_entropy(model(x), y) + reg()
    """

    def __init__(self, model: nn.Module, beta: float = 1e-8):
        self.beta = float(beta)
        self.terms: list[Tensor] = []
        self.handles = [m.register_forward_hook(self._hook) for m in model.modules()
                        if isinstance(m, QCFS)]
        if not self.handles:
            raise ValueError("bit-sparsity needs QCFS activations; the model has none")

    def _hook(self, module: QCFS, _inputs, output: Tensor) -> None:
        if torch.is_grad_enabled():
            self.terms.append(bit_sparsity(output, module.lam, module.levels))

    def __call__(self, *_ignored) -> Tensor:
        total = torch.stack(self.terms).sum() if self.terms else torch.zeros(())
        self.terms = []
        return self.beta * total

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
