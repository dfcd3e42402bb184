"""Models by name (timm-style): ``create_model("resnet20", num_classes=10, activation="qcfs")``."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from ann2snn.errors import Ann2SnnError

_MODELS: dict[str, Callable[..., nn.Module]] = {}


def register_model(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Decorator: register a model factory under its function name."""
    _MODELS[fn.__name__] = fn
    return fn


def create_model(name: str, num_classes: int = 10, activation: str = "relu", **options) -> nn.Module:
    """A fresh model; ``activation`` is ``relu``, ``clip`` or ``qcfs`` (``levels=L``)."""
    try:
        factory = _MODELS[name]
    except KeyError:
        raise Ann2SnnError(f"unknown model {name!r}; known: {', '.join(_MODELS)}") from None
    return factory(num_classes=num_classes, activation=activation, **options)


def list_models() -> list[str]:
    return list(_MODELS)
