"""Which spiking layer a recipe puts at an activation site, with its θ, v0 and bias."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from ann2snn.conversion.activations import ActivationSite
from ann2snn.errors import MethodError
from ann2snn.methods.recipe import Recipe
from ann2snn.snn.if_neuron import IFNeuron
from ann2snn.snn.neuron import SpikingNeuron


def initial_potential(recipe: Recipe, site: ActivationSite, theta: Tensor) -> Tensor:
    """``v0 = fraction·θ``, or ``θ·φ`` (QCFS shift) for ``v0 = "shift"``."""
    if recipe.v0 == "shift":
        if site.shift is None:
            raise MethodError(f"v0='shift' needs a QCFS activation, but site {site.name!r} is {site.kind}")
        return theta * site.shift
    return theta * float(recipe.v0)


def constant_bias(recipe: Recipe, theta: Tensor, steps: int | None) -> Tensor | float:
    """RTS: ``θ/(2T)`` added to the layer's bias; otherwise none."""
    if recipe.bias_shift == "rts":
        return theta / (2 * steps)
    return 0.0


def _build_if(recipe: Recipe, site: ActivationSite, theta: Tensor, steps: int | None) -> IFNeuron:
    return IFNeuron(theta, initial_potential(recipe, site, theta), constant_bias(recipe, theta, steps))


NEURON_BUILDERS: dict[str, Callable[..., SpikingNeuron]] = {"if": _build_if}


def build_neuron(recipe: Recipe, site: ActivationSite, theta: Tensor, steps: int | None) -> SpikingNeuron:
    try:
        builder = NEURON_BUILDERS[recipe.neuron]
    except KeyError:
        raise MethodError(f"unknown neuron {recipe.neuron!r}; known: {', '.join(NEURON_BUILDERS)}") from None
    return builder(recipe, site, theta, steps)
