"""Models by name (timm-style): ``create_model("resnet20", num_classes=10, activation="qcfs")``.

A name ``package.module:function`` imports a user's factory; it gets the keyword arguments
its signature accepts, and if it takes no ``activation`` every ReLU call site of its traced
graph (``nn.ReLU``, ``F.relu``, ``torch.relu``, ``Tensor.relu``) becomes the requested
activation (:func:`ann2snn.graph.sites.replace_relu_sites`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from torch import nn

from ann2snn.ann.activations import ACTIVATIONS
from ann2snn.errors import Ann2SnnError
from ann2snn.graph.sites import replace_relu_sites
from ann2snn.models.factory import HINTS, call_factory, is_factory_path
from ann2snn.registry import Registry

MODELS: Registry[Callable[..., nn.Module]] = Registry(
    "model", error=Ann2SnnError, hint=", or package.module:function")


def register_model(fn: Callable[..., nn.Module] | None = None, **meta):
    """Decorator: register a model factory under its function name, with metadata
    (``input_shape``, ``num_classes``: what it is built for); ``@register_model`` or
    ``@register_model(input_shape=(3, 32, 32))``."""
    if fn is None:
        return MODELS.register(**meta)
    return MODELS.add(fn.__name__, fn)


#: the attribute that records how :func:`create_model` built a model (read by
#: :func:`ann2snn.models.normalize.architecture_of`)
ARCHITECTURE_ATTR = "ann2snn_architecture"
_PLAIN = (str, int, float, bool, type(None))


def create_model(name: str, num_classes: int = 10, activation: str = "relu", **options) -> nn.Module:
    """A fresh model; ``activation`` is ``relu``, ``clip`` or ``qcfs`` (``levels=L``).

    Options a registered factory knows: ``in_channels``, ``input_size`` (picks CIFAR or
    ImageNet heads; a hint, dropped for a factory without heads to pick), ``levels``,
    ``lam`` (refused by an activation that takes none). A ``package.module:function`` name is imported:
    pass one only when you typed it (never one read from a file). The model records how it
    was built (name, classes, activation, plain options), so that a network converted from
    it can be saved without its code.
    """
    model = _build(name, num_classes, activation, **options)
    if all(isinstance(v, _PLAIN) for v in options.values()):
        setattr(model, ARCHITECTURE_ATTR, {"model": name, "num_classes": num_classes,
                                           "activation": activation, "model_options": options})
    return model


def _build(name: str, num_classes: int, activation: str, **options) -> nn.Module:
    if not isinstance(name, str):
        raise Ann2SnnError(f"model must be a name, got {type(name).__name__}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes <= 0:
        raise Ann2SnnError(f"num_classes must be a positive integer, got {num_classes!r}")
    if activation not in ACTIVATIONS:
        raise Ann2SnnError(f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)}")
    if is_factory_path(name):
        model, took_activation = call_factory(name, num_classes, activation, **options)
        if took_activation or activation == "relu":
            return model
        activation_options = {k: v for k, v in options.items() if k in ("levels", "lam")}
        return replace_relu_sites(model, activation, **activation_options)
    factory = MODELS.get(name)
    named = inspect.signature(factory).parameters
    options = {k: v for k, v in options.items() if k in named or k not in HINTS}
    return factory(num_classes=num_classes, activation=activation, **options)


def list_models() -> list[str]:
    return MODELS.names()
