"""How a layer's spikes encode its activation: rate or differential coding
(docs/methods.md#differential-coding), for neurons whose firing rule is a pure function."""

from __future__ import annotations

from torch import Tensor

from ann2snn.functional.multi_threshold import Fire, coding_init, diff_run, rate_run
from ann2snn.snn.neuron import SpikingNeuron


def coded_run(neuron: SpikingNeuron, currents: Tensor, fire: Fire, v0: Tensor
              ) -> tuple[Tensor | None, Tensor]:
    """``(events, outputs)`` of ``fire`` under the layer's coding, carrying the state from
    one time chunk to the next; events are 1 where a (graded, signed) spike was sent, which
    is what a spike costs (None when no observer records them)."""
    if neuron.offset == 0 or neuron.state is None:
        neuron.state = coding_init(currents[0], v0)
    run = diff_run if neuron.coding == "diff" else rate_run
    spikes, values, neuron.state = run(currents, fire, neuron.state, neuron.offset)
    events = spikes.ne(0).to(currents.dtype) if neuron.observer is not None else None
    return events, values
