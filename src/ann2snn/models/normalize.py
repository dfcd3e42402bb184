"""Input normalisation as the network's first layer, so that a model states what it expects;
and the one place that decides which normalisation a network gets."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from ann2snn.data.normalization import Normalization, parse_normalization
from ann2snn.errors import Ann2SnnError
from ann2snn.models.checkpoint import is_checkpoint, read_meta
from ann2snn.models.registry import ARCHITECTURE_ATTR
from ann2snn.models.weights import KNOWN_WEIGHTS, sha256_prefix


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

    def __init__(self, model: nn.Module, mean, std, name: str = "custom"):
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.model = model
        self.normalization = Normalization(name, tuple(float(v) for v in mean),
                                           tuple(float(v) for v in std))

    def forward(self, x: Tensor) -> Tensor:
        return self.model(self.normalize(x))


def with_normalization(model: nn.Module, norm: Normalization | tuple | None) -> nn.Module:
    """Wrap ``model`` with a :class:`Normalization` or ``(mean, std)``; none: unchanged."""
    stats = norm.stats if isinstance(norm, Normalization) else norm
    name = norm.name if isinstance(norm, Normalization) else "custom"
    return model if stats is None else NormalizedModel(model, *stats, name=name)


def architecture_of(model: nn.Module) -> dict | None:
    """How to rebuild ``model`` without its object: the checkpoint fields ``model``,
    ``num_classes``, ``activation``, ``model_options``, ``normalization``; None for a model
    :func:`create_model` did not build (it then has to be given again to load)."""
    norm = Normalization("none")
    if isinstance(model, NormalizedModel):
        model, norm = model.model, model.normalization
    built = getattr(model, ARCHITECTURE_ATTR, None)
    return None if built is None else {**built, "normalization": norm.as_dict()}


def resolve_normalization(flag: str | None = None, *, weights: str | Path | None = None,
                          dataset_default: str | None = None, what: str = "these weights"
                          ) -> Normalization:
    """The normalisation a network gets, in this order: the user's ``--normalize``; what the
    weights are known to expect (a checkpoint's record, or known weights by sha256); the
    dataset's standard one (only when training from scratch, ``dataset_default``). Otherwise
    an error that asks for it: it is never guessed."""
    if flag is not None:
        return parse_normalization(flag)
    if weights is not None:
        if is_checkpoint(weights):
            return Normalization.from_dict(read_meta(weights)["normalization"], str(weights))
        known = KNOWN_WEIGHTS.get(sha256_prefix(weights)) if Path(weights).is_file() else None
        if known is not None:
            return parse_normalization(known["normalization"])
    if dataset_default is not None and weights is None:
        return parse_normalization(dataset_default)
    raise Ann2SnnError(
        f"the input normalisation {what} expect is unknown; pass --normalize "
        "imagenet|cifar10|cifar100|mnist|none or MEAN,MEAN,MEAN/STD,STD,STD"
    )
