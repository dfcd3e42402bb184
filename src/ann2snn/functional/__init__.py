"""Neuron dynamics and quantisers as pure functions on tensors (no state, no modules)."""

from ann2snn.functional.fused import clip_relu, qcfs
from ann2snn.functional.if_neuron import (
    IFParameters,
    IFState,
    if_init,
    if_multistep,
    if_run_,
    if_spike_count,
    if_step,
)
from ann2snn.functional.permute import PERMUTE_MODES, permute_time
from ann2snn.functional.quantize import clip_floor, ste_floor
from ann2snn.functional.two_phase import TPP_G, bitcoded_fire, bitcoded_thresholds, tpp_fire

__all__ = ["IFParameters", "IFState", "if_init", "if_step", "if_multistep", "if_run_",
           "if_spike_count", "qcfs", "clip_relu", "clip_floor", "ste_floor", "tpp_fire", "bitcoded_fire",
           "bitcoded_thresholds", "permute_time", "PERMUTE_MODES", "TPP_G"]
