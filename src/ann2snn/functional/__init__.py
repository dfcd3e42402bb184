"""Neuron dynamics and quantisers as pure functions on tensors (no state, no modules)."""

from ann2snn.functional.if_neuron import if_multistep, if_spike_count, if_step
from ann2snn.functional.quantize import clip_floor, qcfs, ste_floor

__all__ = ["if_step", "if_multistep", "if_spike_count", "qcfs", "clip_floor", "ste_floor"]
