"""A user's model factory, ``package.module:function``: imported only when the user typed the
name, called only with what the user gave or with plain values its own signature declares,
and its result checked before anything else runs (docs/methods.md#trust)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable

from torch import nn

from ann2snn.errors import Ann2SnnError

#: the options ann2snn itself passes to a model (and records), with their types; a factory
#: that takes ``**kwargs`` may receive these from a file, nothing else
ANN2SNN_OPTIONS = {"in_channels": int, "input_size": int, "levels": int, "lam": (int, float)}
_PLAIN = (str, int, float, bool, type(None))
#: what ann2snn offers a factory that may use it: passed only to one that names it
HINTS = ("input_size",)


def is_factory_path(name: str) -> bool:
    """True for a user's ``package.module:function`` (never taken from a file unasked)."""
    return isinstance(name, str) and ":" in name


def recorded_name(name: str) -> str:
    """How a refusal shows a model name read from a file: a factory path is never echoed
    (a refusal must not lead anyone to type a file's name)."""
    return "a model of another factory (package.module:function)" if is_factory_path(name) \
        else repr(name[:80])


def import_factory(path: str) -> Callable[..., nn.Module]:
    """``"package.module:function"`` -> the function (or ``nn.Module`` class): nothing else
    is a model factory, so a builtin such as ``os:system`` is refused before it is called."""
    module_name, _, attr = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except ImportError as exc:
        raise Ann2SnnError(f"cannot import module {module_name!r} of model {path!r}: {exc}; is it "
                           "on PYTHONPATH?") from None
    except AttributeError:
        raise Ann2SnnError(f"module {module_name!r} has no {attr!r} (model {path!r})") from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed while importing
        raise Ann2SnnError(f"importing module {module_name!r} of model {path!r} failed: "
                           f"{type(exc).__name__}: {exc}") from None
    is_module_class = inspect.isclass(factory) and issubclass(factory, nn.Module)
    if not (inspect.isfunction(factory) or is_module_class):
        raise Ann2SnnError(f"model {path!r} is a {type(factory).__name__}, not a Python function "
                           "or an nn.Module class: only those are model factories")
    return factory


def _parameters(factory) -> tuple[dict, bool]:
    """``(named keyword parameters, takes **kwargs)`` of ``factory``'s signature."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        raise Ann2SnnError(f"model factory {factory!r} has no readable signature") from None
    named = {k: p for k, p in params.items()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return named, any(p.kind is p.VAR_KEYWORD for p in params.values())


def check_recorded_options(path: str, options: dict, what: str) -> None:
    """Refuse a file's model options that ``path``'s factory does not declare by name (or
    that are not ann2snn's own, typed as ann2snn writes them), and non-plain values."""
    named, _ = _parameters(import_factory(path))
    for key, value in options.items():
        if not isinstance(value, _PLAIN):
            raise Ann2SnnError(f"{what}: model option {key!r} is not a plain value")
        kind = ANN2SNN_OPTIONS.get(key)
        if key in named or (kind is not None and isinstance(value, kind)
                            and not isinstance(value, bool)):
            continue
        raise Ann2SnnError(f"{what} records a model option {key!r} that the factory you named "
                           f"does not declare: ann2snn passes a file's values only to parameters "
                           "a factory's signature names")


def call_factory(path: str, num_classes: int, activation: str, **options) -> tuple[nn.Module, bool]:
    """``(model, took activation)`` from the factory at ``path``: it gets the keyword
    arguments its signature accepts (:data:`HINTS` only by name); what it returns must be an
    ``nn.Module``."""
    factory = import_factory(path)
    named, takes_all = _parameters(factory)
    kwargs = {k: v for k, v in {"num_classes": num_classes, "activation": activation,
                                **options}.items()
              if k in named or takes_all and k not in HINTS}
    try:
        model = factory(**kwargs)
    except Exception as exc:  # noqa: BLE001 - the user's code failed: say so in one line
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise Ann2SnnError(f"model {path!r} failed to build: {type(exc).__name__}: {first}") from None
    if not isinstance(model, nn.Module):
        raise Ann2SnnError(f"model {path!r} returned {type(model).__name__}, not an nn.Module")
    return model, "activation" in kwargs
