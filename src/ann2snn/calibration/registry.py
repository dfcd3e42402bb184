"""The registry of forward-only calibration passes, by the name a recipe lists them under.

Each is called as ``fn(snn, ann, recipe, params, data, steps=, limit=, device=)`` after
thresholds, in the order the recipe lists them (docs/methods.md#calibration). ``params`` is
the pass's own typed parameter record (a dataclass of :func:`~ann2snn.options.option_field`
fields, registered with the pass; None for a pass without parameters), filled from the
recipe: the recipe's options and the command line's flags are read from that record.
"""

from __future__ import annotations

from collections.abc import Callable

from ann2snn.registry import Registry

Calibration = Callable[..., None]
CALIBRATIONS: Registry[Calibration] = Registry("calibration")
#: batches a calibration pass reads (SNNC, FTBC's B) when ``calib_batches`` is not given
CALIBRATION_BATCHES = 5


def register_calibration(name: str, parameters: type | None = None
                         ) -> Callable[[Calibration], Calibration]:
    """Decorator: register a calibration pass under ``name`` (names are unique), with its
    parameter record ``parameters``."""
    return CALIBRATIONS.register(name, parameters=parameters)


def parameter_record(name: str) -> type | None:
    """The typed parameter record of pass ``name`` (None: it takes none)."""
    return CALIBRATIONS.meta(name)["parameters"]


def get_calibration(name: str) -> Calibration:
    return CALIBRATIONS.get(name)


def list_calibrations() -> list[str]:
    return CALIBRATIONS.names()
