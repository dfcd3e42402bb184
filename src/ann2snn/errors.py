"""Errors that reach the user: one line, naming what is wrong and how to fix it."""

from __future__ import annotations


class Ann2SnnError(Exception):
    """Base class of every error ann2snn raises on bad input."""


class ConversionError(Ann2SnnError):
    """The network cannot be converted as it is; the message lists every offending node."""

    def __init__(self, message: str, nodes: list[str] | None = None):
        self.nodes = list(nodes or [])
        super().__init__(message)


class DataError(Ann2SnnError):
    """A data folder or file is missing, has the wrong layout, or is corrupt."""


class WeightsError(Ann2SnnError):
    """A weights file is missing, corrupt, or does not fit the model."""


class MethodError(Ann2SnnError):
    """A method (preset) does not apply to this network, these ``T`` or this data."""


class OptionError(MethodError):
    """The user asked for something that is not there: an unknown method, an unknown option,
    an option value out of range. Never taken as "does not apply" (``compare`` and
    ``evaluate(skip_inapplicable=True)`` re-raise it)."""
