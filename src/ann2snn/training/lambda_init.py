"""Start λ of clip/QCFS activations from data, for fine-tuning a ReLU network into one.

A ReLU checkpoint has no λ; the default (8) is far from most layers' activation range.
``λ ← p-th percentile of the positive pre-activations`` (p = 99.9, as the robust threshold
rule) over a few training batches gives each layer its own clipping point. The activations act as
ReLU while they are measured, so every layer sees the network the weights were trained as.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from ann2snn.ann import QCFS, ClipReLU
from ann2snn.batches import iterate_batches
from ann2snn.conversion.thresholds import ThresholdEstimator


@torch.no_grad()
def init_lambda_from_data(model: nn.Module, data: Iterable, *, batches: int = 4,
                          percentile: float = 99.9, device: torch.device | str = "cpu"
                          ) -> dict[str, float]:
    """Set every ClipReLU/QCFS λ of ``model`` from ``batches`` of ``data``; returns the values."""
    sites = {name: m for name, m in model.named_modules() if isinstance(m, (ClipReLU, QCFS))}
    observers = {name: ThresholdEstimator("percentile", percentile=percentile) for name in sites}


    def relu_and_observe(observer):
        def hook(_module, inputs, _output):
            observer(inputs[0])
            return torch.relu(inputs[0])  # measure the ReLU network the weights came from
        return hook

    hooks = [m.register_forward_hook(relu_and_observe(observers[name])) for name, m in sites.items()]
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
        m.lam.fill_(float(observers[name].result()))
        values[name] = float(m.lam)
    return values
