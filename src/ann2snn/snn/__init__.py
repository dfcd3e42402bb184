"""SNN-side pieces: stateful neuron modules and the multi-step spiking network."""

from ann2snn.snn.if_neuron import IFNeuron
from ann2snn.snn.network import SpikingNetwork
from ann2snn.snn.neuron import SpikingNeuron

__all__ = ["SpikingNeuron", "IFNeuron", "SpikingNetwork"]
