"""The replace and assemble stages, one place for ``convert`` and ``load_snn`` alike: put a
spiking layer at every activation site of the prepared ANN and wrap the graph in a
:class:`SpikingNetwork` (docs/methods.md#pipeline)."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import Tensor, fx

from ann2snn.conversion.neurons import build_neuron
from ann2snn.conversion.replace import build_spiking_graph
from ann2snn.graph.sites import ActivationSite
from ann2snn.methods.recipe import Recipe
from ann2snn.snn.network import SpikingNetwork
from ann2snn.snn.neuron import SpikingNeuron


@dataclass
class ConversionRecord:
    """What a conversion did (``snn.info``): the resolved recipe, ``T`` if the conversion
    depends on it, where each spiking layer comes from, what the pipeline changed, what each
    calibration pass cost, the input shape it was converted for (when data was seen), and
    how to rebuild the ANN's architecture (:func:`ann2snn.models.normalize.architecture_of`;
    None for a model object ann2snn did not build)."""

    recipe: Recipe
    timesteps: int | None
    origins: dict[str, str]
    maxpool_replaced: list[str] = field(default_factory=list)
    bn_folded: int = 0
    calibration: dict[str, dict] = field(default_factory=dict)
    input_shape: tuple[int, ...] | None = None
    architecture: dict | None = None
    #: the tensors of the ANN's activation modules (λ of ClipReLU/QCFS), keyed as in the
    #: prepared ANN: with the SNN's weights they rebuild the ANN it was converted from
    ann_activations: dict[str, Tensor] = field(default_factory=dict)
    #: layers (or channels) that never fired in calibration, so got θ = 1 (layer) or the
    #: layer's θ (channels): ``{site: "layer" | "K of C channels"}``
    silent: dict[str, str] = field(default_factory=dict)


def build_neurons(recipe: Recipe, sites: list[ActivationSite], thresholds: dict[str, Tensor],
                  steps: int | None) -> dict[str, SpikingNeuron]:
    """Each site's spiking layer, as ``recipe`` builds it with the site's θ."""
    return {s.name: build_neuron(recipe, s, thresholds[s.name], steps) for s in sites}


def wrap(graph: fx.GraphModule, record: ConversionRecord) -> SpikingNetwork:
    """The spiking graph as a :class:`SpikingNetwork` carrying its record, streams seeded."""
    snn = SpikingNetwork(graph, record.recipe.name, record)
    snn.seed(record.recipe.seed)
    return snn


def assemble(gm: fx.GraphModule, sites: list[ActivationSite], thresholds: dict[str, Tensor],
             record: ConversionRecord) -> SpikingNetwork:
    """The pipeline's replace and assemble stages in one (``load_snn`` rebuilds with it)."""
    neurons = build_neurons(record.recipe, sites, thresholds, record.timesteps)
    return wrap(build_spiking_graph(gm, neurons), record)
