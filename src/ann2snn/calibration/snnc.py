"""SNNC calibration (Li et al., ICML 2021; docs/methods.md#snnc), forward only, in order.

- light (``snnc-bias``): per channel, ``b <- b - (E[snn] - E[ann])``;
- advanced (``snnc-potential``): per neuron, ``v0 <- v0 + T·(E_batch[ann] - E_batch[snn])``;

with ``E[snn]`` the layer's output averaged over the T steps (a two-phase layer's closed-form
time-mean, the one it hands on).
"""

from __future__ import annotations

from torch import Tensor

from ann2snn.calibration.layerwise import Clock, channel_mean, layerwise_pass, take_batches
from ann2snn.calibration.registry import CALIBRATION_BATCHES, register_calibration
from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.snn.time import leading_sum


def _bias_update(name: str, neuron: SpikingNeuron, currents: Tensor, ann_act: Tensor) -> None:
    values = neuron.calibration_outputs(currents)
    delta = channel_mean(values, leading=2) - channel_mean(ann_act, leading=1)
    neuron.bias = neuron.bias - delta


def _potential_update(name: str, neuron: SpikingNeuron, currents: Tensor, ann_act: Tensor) -> None:
    values = neuron.calibration_outputs(currents)
    gap = leading_sum(ann_act, 1, mean=True) - leading_sum(values, 2, mean=True)  # [C, ...]
    neuron.v0 = neuron.param(neuron.v0, values) + currents.shape[0] * gap


def _run(update, key, snn, ann, recipe, data, *, steps, calib_batches, device) -> None:
    batches = take_batches(data, calib_batches or CALIBRATION_BATCHES, device)
    clock = Clock()
    for x, _ in batches:
        layerwise_pass(snn, ann, x, steps, update, clock)
    snn.info.calibration[key] = clock.cost(steps, 1, batches=len(batches),
                                             snn_passes=len(batches))


@register_calibration("snnc-bias")
def snnc_bias(snn, ann, recipe, params, data, *, steps, calib_batches, device) -> None:
    """SNNC light: per-channel bias correction, one layer-local pass per batch."""
    _run(_bias_update, "snnc-bias", snn, ann, recipe, data, steps=steps,
         calib_batches=calib_batches, device=device)


@register_calibration("snnc-potential")
def snnc_potential(snn, ann, recipe, params, data, *, steps, calib_batches, device) -> None:
    """SNNC advanced: per-neuron initial-potential correction, one pass per batch."""
    _run(_potential_update, "snnc-potential", snn, ann, recipe, data, steps=steps,
         calib_batches=calib_batches, device=device)

