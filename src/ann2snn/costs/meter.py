"""Cost accounting during an evaluation, from the spikes the simulation emits (no second run).

Every spiking layer gets an observer that keeps running sums of its spikes and outputs over
the steps; at each requested ``T`` it reads from them the spikes, the synapses they reach
(spikes x fan-out), the pooling/residual accumulates they cost, and the mean absolute
difference between the ANN activation and the layer's output averaged over steps ``1..T``.
So one run to ``max(T)`` serves every ``T`` (docs/methods.md#costs).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ann2snn.costs.energy import energy_uj, latency
from ann2snn.costs.fanout import Fanout

RASTER_NEURONS = 16


class LayerMeter:
    """Sums for one spiking layer over the batches of an evaluation.

    Per batch it keeps two running sums over the steps so far, per sample and neuron: the
    spikes and the output values (one sum, scaled by θ where the values are needed, when the
    layer hands its 0/1 spikes as its values, θ folded into the next layer:
    ``neuron.unit_output``, or when its values are θ·s: ``neuron.outputs_scaled_spikes``,
    rate-coded IF layers). At each snapshot ``t`` the spike
    sum, summed over the batch in float64 (exact), gives spikes, synaptic operations and
    routing accumulates up to ``t``; the value sum gives the ANN-SNN error at ``t``."""

    #: an observer that reads the layer's 0/1 spikes as its values, scaling by θ itself, so
    #: that the network may keep θ folded while it watches (docs/methods.md#threshold-folding)
    accepts_unit_values = True

    def __init__(self, name: str, kind: str, synapses: Tensor, routing: Tensor,
                 snapshots: list[int], alphabet: str = "{0, θ}", neuron=None):
        self.name, self.kind, self.alphabet, self.neuron = name, kind, alphabet, neuron
        self.synapses = synapses.flatten().double()
        self.routing = routing.flatten().double()
        self.neurons = self.synapses.numel()
        self.snapshots = sorted(snapshots)
        self.spikes, self.sops, self.routed = (dict.fromkeys(self.snapshots, 0.0)
                                               for _ in range(3))
        self.error = dict.fromkeys(self.snapshots, 0.0)
        self.samples = 0
        self.ann: Tensor | None = None
        self.counted: Tensor | None = None  # Σ spikes over the steps so far [B, ...]
        self.running: Tensor | None = None  # Σ values over the steps so far [B, ...]
        self.raster_index = torch.linspace(0, self.neurons - 1, min(RASTER_NEURONS, self.neurons)
                                           ).round().long()
        self.raster: list[Tensor] = []

    def begin(self, ann: Tensor | None) -> None:
        self.ann, self.counted, self.running = ann, None, None

    def __call__(self, spikes: Tensor, values: Tensor, offset: int) -> None:
        s = spikes.detach()  # [steps, B, ...] events, in whatever layout the layer ran
        end = offset + s.shape[0]
        if end > self.snapshots[-1]:
            return  # a run longer than the evaluation asked for: not accounted
        if self.samples == 0:
            self.raster.append(s[:, 0].flatten(1)[:, self.raster_index.to(s.device)].cpu())
        # one sum serves both: 0/1 spikes handed as the values (θ folded), or values θ·s
        same = spikes is values or bool(getattr(self.neuron, "outputs_scaled_spikes", False))
        v = None if self.ann is None or same else values.detach()
        position = offset
        for t in [t for t in self.snapshots if offset < t <= end]:
            self._accumulate(s, v, position - offset, t - offset)
            position = t
            self._snapshot(t, same)
        if position < end:
            self._accumulate(s, v, position - offset, end - offset)

    def _accumulate(self, s: Tensor, v: Tensor | None, first: int, last: int) -> None:
        """Add steps ``first..last`` of this run to the running sums."""
        self.counted = _add_steps(self.counted, s[first:last])
        if v is not None:
            self.running = _add_steps(self.running, v[first:last])

    def _snapshot(self, t: int, same: bool) -> None:
        """Costs and error up to ``t`` from the running sums."""
        self._count(t, self.counted)
        if self.ann is not None:
            mean = self.counted * self._unit_scale() if same else self.running.clone()
            self._error(t, mean.div_(t))

    def observe_counts(self, counts: Tensor, mean: Tensor, steps: int, first: Tensor) -> bool:
        """A two-phase layer's run in closed form: spikes per neuron ``[B, ...]`` over its
        ``steps``, its time-mean output, one fire phase of the first sample ``[T, 1, ...]``
        (the raster). Taken (True) when ``steps`` is the one T accounted."""
        if self.snapshots != [steps]:
            return False
        if self.samples == 0:
            self.raster.append(first[:, 0].flatten(1)[:, self.raster_index.to(first.device)].cpu())
        self._count(steps, counts)
        if self.ann is not None:
            self._error(steps, mean.clone())
        return True

    def _count(self, t: int, counted: Tensor) -> None:
        """Spikes, synaptic operations and routing accumulates up to ``t``."""
        exact = torch.float32 if counted.shape[0] * t < 2 ** 24 else torch.float64
        counts = counted.sum(0, dtype=exact).flatten().double()  # integers: exact
        if self.synapses.device != counts.device:
            self.synapses, self.routing = (w.to(counts.device) for w in (self.synapses, self.routing))
        self.spikes[t] += float(counts.sum())
        self.sops[t] += float(counts @ self.synapses)
        self.routed[t] += float(counts @ self.routing)

    def _error(self, t: int, mean: Tensor) -> None:
        """The batch's mean ``|mean - a|`` per sample (``mean`` is overwritten)."""
        gap = mean.sub_(self._ann_like(mean)).abs_()
        self.error[t] += float(gap.mean(tuple(range(1, gap.dim()))).double().sum())

    def _ann_like(self, like: Tensor) -> Tensor:
        """The ANN activation on ``like``'s device and in its memory layout (kept: a
        mixed-layout subtraction is several times slower)."""
        ann = self.ann.to(like.device)
        if like.dim() == 4 and like.is_contiguous(memory_format=torch.channels_last):
            ann = ann.contiguous(memory_format=torch.channels_last)
        self.ann = ann
        return ann

    def _unit_scale(self) -> Tensor:
        """θ, shaped against one step of the layer (the values are 0/1 spikes)."""
        return self.neuron.param(self.neuron.threshold, self.counted.unsqueeze(0))

    def totals(self) -> list[float]:
        sums = (self.spikes, self.sops, self.routed, self.error)
        return [*(v for d in sums for v in d.values()), float(self.samples)]

    def load(self, values: list[float]) -> None:
        n = len(self.snapshots)
        self.spikes, self.sops, self.routed, self.error = (
            dict(zip(self.snapshots, values[i * n:(i + 1) * n])) for i in range(4))
        self.samples = int(values[-1])

    def report_row(self, t: int) -> dict:
        """This layer's costs per inference at ``T = t``."""
        per = max(self.samples, 1)
        spikes = self.spikes[t] / per
        return {"layer": self.name, "kind": self.kind, "spike_values": self.alphabet,
                "neurons": self.neurons,
                "spikes_per_neuron": spikes / self.neurons,
                "firing_rate": spikes / (self.neurons * t),
                "sops": self.sops[t] / per,
                "routing_acs": self.routed[t] / per,
                "ann_snn_error": self.error[t] / per}


class CostMeter:
    """Accounts an evaluation of ``snn`` at the ``snapshots`` T; see :meth:`records`."""

    def __init__(self, snn, fanout: Fanout, snapshots: list[int]):
        self.snn, self.fanout = snn, fanout
        self.two_phase, self.setup = snn.two_phase_layers(), snn.setup_steps()
        self.layers = {name: LayerMeter(name, n.label, fanout.synapses[name], fanout.routing[name],
                                        snapshots, n.spike_alphabet(), n)
                       for name, n in snn.neurons()}
        for name, neuron in snn.neurons():
            neuron.observer = self.layers[name]

    def begin(self, ann_acts: dict[str, Tensor] | None) -> None:
        for name, layer in self.layers.items():
            layer.begin(None if ann_acts is None else ann_acts.get(name))

    def end(self, batch: int) -> None:
        for layer in self.layers.values():
            layer.samples += batch
            layer.ann = layer.counted = layer.running = None

    def detach(self) -> None:
        for _, neuron in self.snn.neurons():
            neuron.observer = None

    def totals(self) -> list[float]:
        return [v for layer in self.layers.values() for v in layer.totals()]

    def load(self, values: list[float]) -> None:
        for layer in self.layers.values():
            size = len(layer.totals())
            layer.load(values[:size])
            values = values[size:]

    def records(self, t: int) -> tuple[dict, list[dict]]:
        """``(the SNN's costs per inference at T = t, per-layer records)``."""
        layers = [layer.report_row(t) for layer in self.layers.values()]
        neurons = sum(r["neurons"] for r in layers)
        spikes = sum(r["spikes_per_neuron"] * r["neurons"] for r in layers)
        sops = sum(r["sops"] for r in layers)
        routing = sum(r["routing_acs"] for r in layers)
        macs = self.fanout.analog_macs
        energy = energy_uj(macs, sops + routing)
        ann_energy = energy_uj(self.fanout.ann_macs, 0.0)
        total = {"spikes_per_neuron": spikes / neurons, "firing_rate": spikes / (neurons * t),
                 "sops": sops, "routing_acs": routing, "acs": sops + routing, "macs": macs,
                 "macs_per_step_convention": macs * t, "energy_uj": energy,
                 "energy_uj_macs_per_step": energy_uj(macs * t, sops + routing),
                 "energy_ratio": energy / ann_energy if ann_energy else None,
                 **latency(t, self.two_phase, self.setup)}
        return total, layers

    def raster(self) -> dict:
        """Spike steps (1-based) of a few evenly spaced neurons per layer, first sample."""
        out = {}
        for name, layer in self.layers.items():
            if layer.raster:
                trains = torch.cat(layer.raster)  # [T, neurons]
                out[name] = {"neurons": layer.raster_index.tolist(),
                             "spike_steps": [(trains[:, j].nonzero().flatten() + 1).tolist()
                                             for j in range(trains.shape[1])]}
        return out


def _add_steps(total: Tensor | None, steps: Tensor) -> Tensor:
    """``total + Σ_t steps[t]``, one in-place add per step in the steps' memory layout
    (``steps.sum(0)`` of a channels-last ``[T, B, C, H, W]`` came out contiguous and the
    mixed-layout add after it took 4x as long); the same sums as one-step chunks."""
    first = 0
    if total is None:
        total, first = steps[0].clone(), 1
    for t in range(first, steps.shape[0]):
        total.add_(steps[t])
    return total
