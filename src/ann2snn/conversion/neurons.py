"""Which spiking layer a recipe puts at an activation site, with its θ, v0 and bias
(docs/methods.md#neurons)."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from ann2snn.errors import MethodError
from ann2snn.graph.sites import ActivationSite
from ann2snn.methods.recipe import Recipe
from ann2snn.registry import Registry
from ann2snn.snn.bitcoded_neuron import BitCodedNeuron
from ann2snn.snn.if_neuron import IFNeuron
from ann2snn.snn.mt_neuron import MTNeuron
from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.snn.tpp_neuron import TPPNeuron


def initial_potential(recipe: Recipe, site: ActivationSite, theta: Tensor) -> Tensor:
    """``v0 = fraction·θ``, or ``θ·φ`` (QCFS shift) for ``v0 = "shift"``."""
    if recipe.v0 == "shift":
        if site.shift is None:
            raise MethodError(
                f"v0='shift' needs a QCFS activation, but site {site.name!r} is {site.kind}")
        return theta * site.shift
    return theta * float(recipe.v0)


#: the constant bias current of each ``bias_shift`` choice: RTS ``θ/(2T)``, error-free
#: ``λ/(2L)`` (θ = λ there); None: no bias
BIAS_SHIFT_RULES: dict[str | None, Callable[[ActivationSite, Tensor, int | None], Tensor | float]] = {
    None: lambda site, theta, steps: 0.0,
    "rts": lambda site, theta, steps: theta / (2 * steps),
    "half_level": lambda site, theta, steps: theta / (2 * site.levels),
}


def constant_bias(recipe: Recipe, site: ActivationSite, theta: Tensor,
                  steps: int | None) -> Tensor | float:
    """The recipe's ``bias_shift`` choice for this site (:data:`BIAS_SHIFT_RULES`)."""
    return BIAS_SHIFT_RULES[recipe.bias_shift](site, theta, steps)


def _build_if(recipe: Recipe, site: ActivationSite, theta: Tensor, steps: int | None) -> IFNeuron:
    neuron = IFNeuron(theta, initial_potential(recipe, site, theta),
                      constant_bias(recipe, site, theta, steps), coding=recipe.coding)
    neuron.permute = recipe.permute
    return neuron


def _build_mt(recipe: Recipe, site: ActivationSite, theta: Tensor, steps: int | None) -> MTNeuron:
    """Iterative thresholds hold up to the T they were computed for (``t_max``)."""
    t_max = recipe.t_max if recipe.threshold == "iterative" else None
    return MTNeuron(theta, recipe.mt_thresholds, initial_potential(recipe, site, theta),
                    coding=recipe.coding, t_max=t_max)


def _build_tpp(recipe: Recipe, site: ActivationSite, theta: Tensor, steps: int | None) -> TPPNeuron:
    """v0: the user's ``v0=`` if given, else g's own (θ/2 for floor, 0 for rate;
    docs/methods.md#tpp); the base's v0 is not TPP's."""
    if "v0" in recipe.overridden:
        v0 = initial_potential(recipe, site, theta)
    else:
        v0 = theta * (0.5 if recipe.tpp_g == "floor" else 0.0)
    return TPPNeuron(theta, v0, constant_bias(recipe, site, theta, steps), g=recipe.tpp_g)


def _build_bitcoded(recipe: Recipe, site: ActivationSite, theta: Tensor,
                    steps: int | None) -> BitCodedNeuron:
    levels = 2**steps - 1
    if site.kind != "qcfs" or site.levels != levels or site.shift != 0.5:
        found = f"QCFS with L = {site.levels}" if site.kind == "qcfs" else site.kind
        raise MethodError(
            f"errorfree at T = {steps} needs QCFS activations with L = 2^T - 1 = {levels} and "
            f"shift 1/2, but {site.name!r} is {found}; train or fine-tune with levels={levels}, "
            f"or run it at T = log2(L + 1)"
        )
    return BitCodedNeuron(theta, levels, constant_bias(recipe, site, theta, steps))


#: how a recipe builds each registered neuron kind (snn/neuron.py's NEURON_KINDS) at a site
NEURON_BUILDERS: Registry[Callable[..., SpikingNeuron]] = Registry("neuron", error=MethodError)
NEURON_BUILDERS.add("if", _build_if)
NEURON_BUILDERS.add("tpp", _build_tpp)
NEURON_BUILDERS.add("bitcoded", _build_bitcoded)
NEURON_BUILDERS.add("mt", _build_mt)


def build_neuron(recipe: Recipe, site: ActivationSite, theta: Tensor,
                 steps: int | None) -> SpikingNeuron:
    """The recipe's neuron choice at ``site``, with threshold ``theta``."""
    return NEURON_BUILDERS.get(recipe.neuron)(recipe, site, theta, steps)
