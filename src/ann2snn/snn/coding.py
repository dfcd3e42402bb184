"""How a layer's spikes encode its activation: rate or differential coding
(docs/methods.md#differential-coding), for neurons whose firing rule is a pure function."""

from __future__ import annotations

from torch import Tensor

from ann2snn.errors import MethodError
from ann2snn.functional.multi_threshold import Fire, diff_run, rate_run
from ann2snn.snn.neuron import SpikingNeuron


def check_steps(neuron: SpikingNeuron, end: int) -> None:
    """Refuse a run past the ``t_max`` the layer's thresholds were computed for."""
    if neuron.t_max is not None and end > neuron.t_max:
        raise MethodError(f"this network's thresholds were computed for T <= {neuron.t_max} "
                          f"(t_max), but it runs T = {end}: convert again with t_max >= {end}")


def coded_run(neuron: SpikingNeuron, currents: Tensor, fire: Fire, v0: Tensor) -> tuple[Tensor, Tensor]:
    """``(events, outputs)`` of ``fire`` under the layer's coding; events are 1 where a
    (graded, signed) spike was sent, which is what a spike costs."""
    check_steps(neuron, neuron.offset + currents.shape[0])
    spikes, values = (diff_run if neuron.coding == "diff" else rate_run)(currents, fire, v0)
    return spikes.ne(0).to(currents.dtype), values
