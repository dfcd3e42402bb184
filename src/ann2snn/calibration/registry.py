"""The registry of forward-only calibration passes, by the name a recipe lists them under.

Each is called as ``fn(snn, ann, recipe, data, steps=, limit=, device=)`` after thresholds,
in the order the recipe lists them (docs/methods.md#calibration).
"""

from __future__ import annotations

from collections.abc import Callable

from ann2snn.registry import Registry

Calibration = Callable[..., None]
CALIBRATIONS: Registry[Calibration] = Registry("calibration")


def register_calibration(name: str) -> Callable[[Calibration], Calibration]:
    """Decorator: register a calibration pass under ``name`` (names are unique)."""
    return CALIBRATIONS.register(name)


def get_calibration(name: str) -> Calibration:
    return CALIBRATIONS.get(name)


def list_calibrations() -> list[str]:
    return CALIBRATIONS.names()
