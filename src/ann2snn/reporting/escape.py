"""Names from report files (methods, models, layers) are data: escaped for each place they
are written, so that no name forges a markdown row or injects HTML, no CSV cell is a
spreadsheet formula, and no figure label is parsed as math."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_MARKDOWN = re.compile(r"([\\`*\[\]|])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def markdown(text) -> str:
    """``text`` as one inline markdown cell: control characters (newlines) as spaces, HTML
    and the table/emphasis/link punctuation escaped."""
    text = _CONTROL.sub(" ", str(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", text)


def csv_cell(value):
    """A string a spreadsheet would run as a formula gets a leading ``'``; others unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def label(text) -> str:
    """``text`` for a matplotlib label: no mathtext (``$`` escaped), one line."""
    return _CONTROL.sub(" ", str(text)).replace("$", r"\$")
