"""SNN-side pieces: stateful neuron modules and the multi-step spiking network."""

from ann2snn.snn.bitcoded_neuron import BitCodedNeuron
from ann2snn.snn.if_neuron import IFNeuron
from ann2snn.snn.mt_neuron import MTNeuron
from ann2snn.snn.network import SpikingNetwork
from ann2snn.snn.neuron import NEURON_KINDS, SpikeCounter, SpikingNeuron, neuron_kind
from ann2snn.snn.tpp_neuron import TPPNeuron
from ann2snn.snn.two_phase import TwoPhaseNeuron

__all__ = ["SpikingNeuron", "IFNeuron", "TwoPhaseNeuron", "TPPNeuron", "BitCodedNeuron", "MTNeuron",
           "SpikingNetwork", "SpikeCounter", "NEURON_KINDS", "neuron_kind"]
