"""The registry of method presets: names are a public contract."""

from __future__ import annotations

from ann2snn.methods.recipe import Recipe
from ann2snn.registry import Registry

METHODS: Registry[Recipe] = Registry("method", hint=" (see `ann2snn methods`)")


def register_method(recipe: Recipe) -> Recipe:
    """Add a preset; its name must be new."""
    return METHODS.add(recipe.name, recipe)


def get_method(name: str | Recipe, **options) -> Recipe:
    """The preset called ``name``, with ``options`` overriding its choices."""
    recipe = name if isinstance(name, Recipe) else METHODS.get(name)
    return recipe.with_options(**options) if options else recipe


def list_methods() -> list[str]:
    """Registered preset names, in registration order."""
    return METHODS.names()
