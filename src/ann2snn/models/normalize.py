"""Input normalisation as the network's first layer, so that a model states what it expects."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class Normalize(nn.Module):
    """``(x - mean) / std`` per channel. A constant affine map: it runs once in the SNN."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(-1, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std

    def extra_repr(self) -> str:
        return f"mean={self.mean.flatten().tolist()}, std={self.std.flatten().tolist()}"


class NormalizedModel(nn.Module):
    """``model(normalize(x))``; state_dict keys of ``model`` keep a ``model.`` prefix."""

    def __init__(self, model: nn.Module, mean, std):
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.model = model

    def forward(self, x: Tensor) -> Tensor:
        return self.model(self.normalize(x))


def with_normalization(model: nn.Module, stats) -> nn.Module:
    """Wrap ``model`` with ``stats = (mean, std)``; ``None`` means no normalisation."""
    return model if stats is None else NormalizedModel(model, *stats)
