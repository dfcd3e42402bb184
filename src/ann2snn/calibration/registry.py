"""The registry of forward-only calibration passes, by the name a recipe lists them under.

Each is called as ``fn(snn, ann, recipe, params, data, steps=, calib_batches=, device=)`` (a
causal pass also with ``horizons=``) after thresholds, in the order the recipe lists them
(docs/methods.md#calibration). ``params`` is the pass's own typed parameters (a frozen
dataclass of :func:`~ann2snn.options.option_field` fields, registered with the pass; None for
a pass without parameters), filled from the recipe: the recipe's options and the command
line's flags are read from that class.
"""

from __future__ import annotations

from collections.abc import Callable

from ann2snn.registry import Registry

Calibration = Callable[..., None]
CALIBRATIONS: Registry[Calibration] = Registry("calibration")
#: batches a calibration pass reads (SNNC, FTBC's B) when ``calib_batches`` is not given
CALIBRATION_BATCHES = 5


def register_calibration(name: str, parameters: type | None = None, causal: bool = False
                         ) -> Callable[[Calibration], Calibration]:
    """Decorator: register a calibration pass under ``name`` (names are unique), with its
    parameter class ``parameters``. ``causal``: what the pass finds for step ``t`` reads
    steps ``<= t`` only, so one pass to ``T`` serves every shorter ``T`` too; such a pass
    takes ``horizons=`` (those ``T``) and returns ``{t: (per-layer state, record)}``."""
    return CALIBRATIONS.register(name, parameters=parameters, causal=causal)


def is_causal(name: str) -> bool:
    """True when pass ``name`` was registered ``causal`` (one run serves every shorter T)."""
    return CALIBRATIONS.meta(name)["causal"]


def parameter_class(name: str) -> type | None:
    """The typed parameters (a frozen dataclass) of pass ``name`` (None: it takes none)."""
    return CALIBRATIONS.meta(name)["parameters"]


def get_calibration(name: str) -> Calibration:
    return CALIBRATIONS.get(name)


def list_calibrations() -> list[str]:
    return CALIBRATIONS.names()
