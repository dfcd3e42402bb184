"""Options declared once: name, default, check, help and command-line spelling
(docs/methods.md#options).

The API's defaults, the checks of values given in Python, the command line's flags, their
argument types and their help text are all read from one :class:`Option` (as Norse's
parameter records and timm's model configs keep one source per setting). The checks raise
:class:`~ann2snn.errors.OptionError`; on the command line the same check is the argument
type, so a bad value is argparse's one line.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from ann2snn.errors import OptionError

#: seeds torch's generators take
MAX_SEED = 2**63 - 1


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def real(low: float | None = None, *, strict: bool = False, high: float | None = None):
    """A finite number (``> low`` if ``strict``, else ``>= low``; ``<= high``)."""
    def check(name: str, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise OptionError(f"{name} must be a finite number, got {_shown(v)}")
        if low is not None and (v <= low if strict else v < low) or high is not None and v > high:
            span = f"{'>' if strict else '>='} {low}" + (f" and <= {high}" if high is not None else "")
            raise OptionError(f"{name} must be {span}, got {v!r}")
        return v
    return check


def integer(low: int, high: int | None = None):
    """An integer in ``low .. high``."""
    def check(name: str, v):
        if isinstance(v, bool) or not isinstance(v, int) or v < low or high is not None and v > high:
            span = f">= {low}" if high is None else f"from {low} to {high}"
            raise OptionError(f"{name} must be an integer {span}, got {_shown(v)}")
        return v
    return check


def positive_integer(name: str, v):
    """An integer > 0 (not a bool)."""
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise OptionError(f"{name} must be a positive integer, got {_shown(v)}")
    return v


def positive_integers(example: str):
    """A non-empty list or tuple of positive integers (time steps, a sample's shape);
    ``example``: how a good value looks, for the error."""
    def check(name: str, v):
        if isinstance(v, (str, bytes)) or not isinstance(v, (list, tuple)) or not v or not all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in v):
            raise OptionError(f"{name} must be {example}, got {_shown(v)}")
        return v
    return check


def comma_integers(text: str) -> list[int]:
    """``1,2,4`` -> ``[1, 2, 4]`` (the command line's spelling of a list)."""
    try:
        return [int(t) for t in text.split(",")]
    except ValueError:
        raise OptionError(f"expected comma-separated integers, got {text[:40]!r}") from None


def one_of(allowed: Sequence | Callable[[], Sequence]):
    """One of ``allowed`` (or of what ``allowed()`` lists when checked)."""
    def check(name: str, v):
        values = allowed() if callable(allowed) else allowed
        if v not in values:
            raise OptionError(f"{name} must be one of {', '.join(map(str, values))}; got {v!r}")
        return v
    check.allowed = allowed
    return check


def optional(check: Callable[[str, Any], Any]):
    """``None`` (decided later, e.g. "auto") or a value ``check`` accepts."""
    def check_optional(name: str, v):
        return None if v is None else check(name, v)
    if hasattr(check, "allowed"):
        check_optional.allowed = check.allowed
    return check_optional


def boolean(name: str, v):
    if not isinstance(v, bool):
        raise OptionError(f"{name} must be True or False, got {_shown(v)}")
    return v


def names(name: str, v):
    if not isinstance(v, tuple) or not all(isinstance(e, str) for e in v):
        raise OptionError(f"{name} must be a tuple of names, got {_shown(v)}")
    return v


def _parse_number(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    raise OptionError(f"expected a number, got {text[:24]!r}")


@dataclass(frozen=True)
class Option:
    """One option: ``check(name, value)`` returns the value or raises; ``flag`` is its
    command-line spelling (None: only through ``--method-option KEY=VALUE``)."""

    name: str
    default: Any
    help: str
    check: Callable[[str, Any], Any]
    flag: str | None = None
    metavar: str | None = None
    #: the command line's text -> the value to check (default: a number)
    parser: Callable[[str], Any] | None = None

    @property
    def is_switch(self) -> bool:
        return self.check is boolean

    def choices(self) -> list | None:
        """The names the check allows (None, which the command line cannot spell, left out)."""
        allowed = getattr(self.check, "allowed", None)
        if allowed is None:
            return None
        return [v for v in (allowed() if callable(allowed) else allowed) if v is not None]

    def parse(self, text: str):
        """The command line's text as a checked number (argparse's ``type``)."""
        try:
            return self.check(self.flag or self.name, (self.parser or _parse_number)(text))
        except OptionError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{self.flag} ")) from None

    def add_to(self, parser, *, default: Any = None, show_default: bool = True,
               help: str | None = None) -> None:
        """Add ``--flag`` to ``parser``: a switch for a boolean, a choice among names, else a
        checked value; ``default`` is what argparse stores when the flag is not given;
        ``help``: what the flag means for this command, if more than the declared help."""
        value = self.default
        value = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
        shown = "" if value is None or not show_default else f" ({value})"
        text = (help or self.help) + shown
        if self.is_switch:
            parser.add_argument(self.flag, action="store_true", default=default, help=text)
        elif self.choices() is not None:
            parser.add_argument(self.flag, choices=self.choices(), default=default, help=text)
        else:
            parser.add_argument(self.flag, type=self.parse, default=default,
                                metavar=self.metavar, help=text)


def option_field(default, help: str, check: Callable[[str, Any], Any], flag: str | None = None,
                 metavar: str | None = None):
    """A dataclass field that is also an :class:`Option` (named after the field): a typed
    parameter class declares each of its options once (:func:`options_of`)."""
    return field(default=default, metadata={"option": (help, check, flag, metavar)})


def options_of(parameters: type) -> tuple[Option, ...]:
    """The :class:`Option` of every field of a parameter class declared with
    :func:`option_field`."""
    return tuple(Option(f.name, f.default, *f.metadata["option"]) for f in fields(parameters))
