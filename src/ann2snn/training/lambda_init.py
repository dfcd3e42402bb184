"""Start λ of clip/QCFS activations from data, for fine-tuning a ReLU network into one
(docs/methods.md#fine-tuning).

A ReLU checkpoint has no λ; the default (8) is far from most layers' activation range. Two
starts, each from the ReLU network's own activations ``a = relu(z)`` over a few training
batches (the activations act as ReLU while they are measured):

- ``percentile``: ``λ ←`` the 99.9th percentile of the positive ``a`` (the robust threshold
  rule): a clip for fine-grained rates;
- ``mse``: ``λ ← argmin_λ Σ (a − Q_L(a; λ))²`` with ``Q_L(a; λ) = λ/L·clamp(floor(a·L/λ +
  φ), 0, L)``, the QCFS quantiser of the site's own L levels, over ``λ = max(a)·k/200``,
  ``k = 1..200``: the clip that an L-level network loses least to. Clip-ReLU sites (no
  levels) take the percentile.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

from ann2snn.ann import QCFS, ClipReLU
from ann2snn.batches import iterate_batches
from ann2snn.conversion.thresholds import ThresholdEstimator

LAMBDA_STARTS = ("percentile", "mse")
#: activations kept per site and batch for the mse start (evenly strided)
MSE_SAMPLES = 1 << 14
MSE_CANDIDATES = 200


def mse_clip(values: Tensor, levels: int, shift: float = 0.5) -> Tensor:
    """The λ among ``max·k/200`` minimising ``Σ (a − Q_L(a; λ))²`` over ``values`` (≥ 0)."""
    top = values.max()
    if top <= 0:
        return top.new_tensor(1.0)
    lams = top * torch.arange(1, MSE_CANDIDATES + 1, dtype=values.dtype) / MSE_CANDIDATES
    q = torch.clamp(torch.floor(values[None, :] * levels / lams[:, None] + shift), 0, levels)
    err = (values[None, :] - lams[:, None] / levels * q).pow(2).sum(dim=1)
    return lams[err.argmin()]


class _Positives:
    """Up to :data:`MSE_SAMPLES` evenly strided positive activations of every batch."""

    def __init__(self):
        self.parts: list[Tensor] = []

    def __call__(self, a: Tensor) -> None:
        pos = a.detach().float().reshape(-1)
        pos = pos[pos > 0]
        self.parts.append(pos[:: max(1, pos.numel() // MSE_SAMPLES)].cpu())

    def values(self) -> Tensor:
        return torch.cat(self.parts) if self.parts else torch.zeros(1)


def _estimator(module: nn.Module, start: str, percentile: float):
    if start == "mse" and isinstance(module, QCFS):
        return _Positives()
    return ThresholdEstimator("percentile", percentile=percentile)


@torch.no_grad()
def init_lambda_from_data(model: nn.Module, data: Iterable, *, batches: int = 4,
                          start: str = "percentile", percentile: float = 99.9,
                          device: torch.device | str = "cpu") -> dict[str, float]:
    """Set every ClipReLU/QCFS λ of ``model`` from ``batches`` of ``data`` by the ``start``
    rule; returns the values by site."""
    if start not in LAMBDA_STARTS:
        raise ValueError(f"unknown λ start {start!r}; choose one of {LAMBDA_STARTS}")
    sites = {name: m for name, m in model.named_modules() if isinstance(m, (ClipReLU, QCFS))}
    seen = {name: _estimator(m, start, percentile) for name, m in sites.items()}

    def relu_and_observe(observer):
        def hook(_module, inputs, _output):
            a = torch.relu(inputs[0])  # measure the ReLU network the weights came from
            observer(a)
            return a
        return hook

    hooks = [m.register_forward_hook(relu_and_observe(seen[name])) for name, m in sites.items()]
    was_training = model.training
    model.eval()
    try:
        for x, _ in iterate_batches(data, "training data", max_batches=batches, device=device):
            model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    values = {}
    for name, m in sites.items():
        found = seen[name]
        lam = mse_clip(found.values(), m.levels, m.shift) if isinstance(found, _Positives) \
            else found.result()
        m.lam.fill_(float(lam))
        values[name] = float(m.lam)
    return values
