"""The registry of forward-only calibration passes, by the name a recipe lists them under.

Each is called as ``fn(snn, ann, recipe, data, steps=, limit=, device=)`` after thresholds,
in the order the recipe lists them (docs/methods.md#calibration).
"""

from __future__ import annotations

from collections.abc import Callable

from ann2snn.errors import OptionError

Calibration = Callable[..., None]
_CALIBRATIONS: dict[str, Calibration] = {}


def register_calibration(name: str) -> Callable[[Calibration], Calibration]:
    """Decorator: register a calibration pass under ``name`` (names are unique)."""
    def add(fn: Calibration) -> Calibration:
        if name in _CALIBRATIONS:
            raise ValueError(f"calibration {name!r} is already registered")
        _CALIBRATIONS[name] = fn
        return fn
    return add


def get_calibration(name: str) -> Calibration:
    try:
        return _CALIBRATIONS[name]
    except KeyError:
        raise OptionError(f"unknown calibration {name!r}; registered: "
                          f"{', '.join(_CALIBRATIONS)}") from None


def list_calibrations() -> list[str]:
    return list(_CALIBRATIONS)
