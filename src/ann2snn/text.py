"""How numbers of things are written in messages."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 step``, ``2 steps`` (``words``: an irregular plural)."""
    return f"{count} {word if count == 1 else words or word + 's'}"
