"""The registry of method presets: names are a public contract."""

from __future__ import annotations

from ann2snn.errors import OptionError
from ann2snn.methods.recipe import Recipe

_METHODS: dict[str, Recipe] = {}


def register_method(recipe: Recipe) -> Recipe:
    """Add a preset; its name must be new."""
    if recipe.name in _METHODS:
        raise ValueError(f"method {recipe.name!r} is already registered")
    _METHODS[recipe.name] = recipe
    return recipe


def get_method(name: str | Recipe, **options) -> Recipe:
    """The preset called ``name``, with ``options`` overriding its choices."""
    recipe = name if isinstance(name, Recipe) else _METHODS.get(name) if isinstance(name, str) \
        else None
    if recipe is None:
        raise OptionError(f"unknown method {name!r}; registered methods: {', '.join(_METHODS)}")
    return recipe.with_options(**options) if options else recipe


def list_methods() -> list[str]:
    """Registered preset names, in registration order."""
    return list(_METHODS)
