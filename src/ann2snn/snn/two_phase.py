"""Accumulate-then-fire neurons: the layer sums its input over T steps, then fires T steps.

Because the next layer only sums what it receives, such a layer can hand on its time-mean
in the constant ``[B, ...]`` layout (``count_coded``, the default): each two-phase layer then
costs one pass over the summed input instead of T (docs/methods.md#two-phase). Where the
time-mean has a closed form (:meth:`TwoPhaseNeuron.mean_output`) and nobody records the
spikes, or the recorder takes closed-form spike counts (:meth:`TwoPhaseNeuron.spike_counts`),
the fire phase itself is skipped. With ``count_coded = False`` the full spike train
``[T·B, ...]`` is passed on: the reference.
"""

from __future__ import annotations

from torch import Tensor

from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.snn.time import fold_time, unfold_time


class TwoPhaseNeuron(SpikingNeuron):
    chunkable = False
    two_phase = True
    count_coded = True

    @property
    def uniform_in_time(self) -> bool:  # type: ignore[override]
        return False

    def forward(self, x: Tensor) -> Tensor:
        given = self.calibrated(x)
        if given is not None:
            return given
        steps, batch = self.steps, self.batch
        if x.shape[0] == batch:  # constant or time-mean input: the sum over T is T·x
            total = x * steps
        else:
            total = unfold_time(x, steps, batch).sum(0)
        if self.count_coded and not self.permute:
            mean = self.mean_output(total)
            if mean is not None and (self.observer is None or self._counted(total, mean)):
                return mean
        spikes, values = self.fire(total)
        self.notify_observer(spikes, values)
        return values.mean(0) if self.count_coded else fold_time(values)

    def fire(self, total: Tensor) -> tuple[Tensor, Tensor]:
        """``Σ_t I[t]`` ``[B, ...]`` -> ``(spikes, values)``, both ``[T, B, ...]``."""
        raise NotImplementedError

    def mean_output(self, total: Tensor) -> Tensor | None:
        """The time-mean of the outputs :meth:`fire` would emit, in closed form, or None
        where there is none (it would need the random draws)."""
        return None

    def spike_counts(self, total: Tensor) -> Tensor | None:
        """Spikes per neuron over the T fire steps ``[B, ...]`` in closed form, equal to
        those of :meth:`fire`, or None where there is none."""
        return None

    def _counted(self, total: Tensor, mean: Tensor) -> bool:
        """Hand an observer that takes closed-form counts (``observe_counts``) the spikes
        per neuron, the time-mean output and one fire phase of the first sample (its
        raster); True when it took them (the fire phase of the batch is then skipped)."""
        take = getattr(self.observer, "observe_counts", None)
        counts = None if take is None else self.spike_counts(total)
        return counts is not None and take(counts, mean, self.steps, self.fire(total[:1])[0])

    def dynamics(self, currents: Tensor) -> tuple[Tensor, Tensor]:
        return self.fire(currents.sum(0))

    def calibration_outputs(self, currents: Tensor) -> Tensor:
        """The closed-form time-mean ``[1, B, ...]`` the layer hands on (no fire phase, no
        draws) where there is one and nothing is permuted, else the fired outputs."""
        if self.count_coded and not self.permute:
            mean = self.mean_output(currents.sum(0))
            if mean is not None:
                return mean.unsqueeze(0)
        return super().calibration_outputs(currents)
