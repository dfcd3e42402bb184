"""Conversion methods: recipes (compositions of choices) in a registry of presets."""

from ann2snn.methods import presets as _presets  # noqa: F401  (registers the presets)
from ann2snn.methods.recipe import Recipe
from ann2snn.methods.registry import get_method, list_methods, register_method

__all__ = ["Recipe", "get_method", "list_methods", "register_method"]
