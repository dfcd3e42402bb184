"""Models by name (timm-style): ``create_model("resnet20", num_classes=10, activation="qcfs")``.

A name ``package.module:function`` imports a user's factory; it gets the keyword arguments
its signature accepts, and if it takes no ``activation`` its ``nn.ReLU`` modules are swapped
for the requested activation.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

from torch import nn

from ann2snn.ann.activations import ACTIVATIONS, make_activation
from ann2snn.errors import Ann2SnnError

_MODELS: dict[str, Callable[..., nn.Module]] = {}


def is_factory_path(name: str) -> bool:
    """True for a user's ``package.module:function`` (never taken from a file unasked)."""
    return ":" in name


def register_model(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Decorator: register a model factory under its function name."""
    _MODELS[fn.__name__] = fn
    return fn


def import_factory(path: str) -> Callable[..., nn.Module]:
    """``"package.module:function"`` -> the function."""
    module_name, _, attr = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except ImportError as exc:
        raise Ann2SnnError(f"cannot import module {module_name!r} of model {path!r}: {exc}; is it "
                           "on PYTHONPATH?") from None
    except AttributeError:
        raise Ann2SnnError(f"module {module_name!r} has no {attr!r} (model {path!r})") from None
    if not callable(factory):
        raise Ann2SnnError(f"model {path!r} is not a function or class")
    return factory


def replace_relu(model: nn.Module, activation: str, **options) -> nn.Module:
    """Swap every ``nn.ReLU`` module of ``model`` for a fresh ``activation`` module."""
    for name, child in model.named_children():
        if isinstance(child, nn.ReLU):
            setattr(model, name, make_activation(activation, **options))
        else:
            replace_relu(child, activation, **options)
    return model


#: the attribute that records how :func:`create_model` built a model (read by
#: :func:`ann2snn.models.normalize.architecture_of`)
ARCHITECTURE_ATTR = "ann2snn_architecture"
_PLAIN = (str, int, float, bool, type(None))


def create_model(name: str, num_classes: int = 10, activation: str = "relu", **options) -> nn.Module:
    """A fresh model; ``activation`` is ``relu``, ``clip`` or ``qcfs`` (``levels=L``).

    Options a registered factory knows: ``in_channels``, ``input_size`` (picks CIFAR or
    ImageNet heads), ``levels``, ``lam``. A ``package.module:function`` name is imported:
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
        factory = import_factory(name)
        params = inspect.signature(factory).parameters
        takes_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
        kwargs = {k: v for k, v in {"num_classes": num_classes, "activation": activation,
                                    **options}.items() if takes_all or k in params}
        model = factory(**kwargs)
        if not isinstance(model, nn.Module):
            raise Ann2SnnError(f"model {name!r} returned {type(model).__name__}, not an nn.Module")
        if "activation" not in kwargs and activation != "relu":
            replace_relu(model, activation, **options)
        return model
    try:
        factory = _MODELS[name]
    except KeyError:
        raise Ann2SnnError(f"unknown model {name!r}; known: {', '.join(_MODELS)}, or "
                           "package.module:function") from None
    return factory(num_classes=num_classes, activation=activation, **options)


def list_models() -> list[str]:
    return list(_MODELS)
