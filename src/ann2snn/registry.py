"""The one registry helper: named entries with metadata, one duplicate policy (a name is
registered once; a second registration is a programming error), one unknown-name error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from ann2snn.errors import Ann2SnnError, OptionError

V = TypeVar("V")


class Registry(Generic[V]):
    """``name -> entry`` with per-entry metadata (``meta(name)``: e.g. a model's input
    shape and classes, so that tests parametrise over the registry)."""

    def __init__(self, what: str, error: type[Ann2SnnError] = OptionError, hint: str = ""):
        self.what, self.error, self.hint = what, error, hint
        self._entries: dict[str, V] = {}
        self._meta: dict[str, dict] = {}

    def add(self, name: str, entry: V, **meta) -> V:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.what} needs a non-empty name, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._entries[name], self._meta[name] = entry, dict(meta)
        return entry

    def register(self, name: str | None = None, **meta) -> Callable[[V], V]:
        """Decorator: register a function under ``name`` (default: its ``__name__``)."""
        return lambda entry: self.add(name or entry.__name__, entry, **meta)

    def get(self, name) -> V:
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        raise self.error(f"unknown {self.what} {name!r}; known: {', '.join(self._entries)}"
                         f"{self.hint}")

    __getitem__ = get

    def meta(self, name: str) -> dict:
        self.get(name)
        return dict(self._meta[name])

    def names(self) -> list[str]:
        """Names in registration order."""
        return list(self._entries)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)
