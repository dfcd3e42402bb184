"""Cost accounting during an evaluation, from the spikes the simulation emits (no second run).

Every spiking layer gets an observer that sums, per step, its spikes, the synapses they reach
(spikes x fan-out) and the pooling/residual accumulates they cost; and, at each requested
``T``, the mean absolute difference between the ANN activation and the layer's output
averaged over steps ``1..T``. Per-step sums make one run to ``max(T)`` serve every ``T``
(docs/methods.md#costs).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ann2snn.costs.energy import energy_uj, latency
from ann2snn.costs.fanout import Fanout

RASTER_NEURONS = 16


class LayerMeter:
    """Sums for one spiking layer over the batches of an evaluation."""

    def __init__(self, name: str, kind: str, synapses: Tensor, routing: Tensor,
                 snapshots: list[int], alphabet: str = "{0, θ}"):
        self.name, self.kind, self.alphabet = name, kind, alphabet
        self.synapses = synapses.flatten().double()
        self.routing = routing.flatten().double()
        self.neurons = self.synapses.numel()
        self.snapshots = sorted(snapshots)
        steps = self.snapshots[-1]
        self.spikes, self.sops, self.routed = (torch.zeros(steps, dtype=torch.float64)
                                               for _ in range(3))
        self.error = dict.fromkeys(self.snapshots, 0.0)
        self.samples = 0
        self.ann: Tensor | None = None
        self.running: Tensor | None = None
        self.raster_index = torch.linspace(0, self.neurons - 1, min(RASTER_NEURONS, self.neurons)
                                           ).round().long()
        self.raster: list[Tensor] = []

    def begin(self, ann: Tensor | None) -> None:
        self.ann, self.running = ann, None

    def __call__(self, spikes: Tensor, values: Tensor, offset: int) -> None:
        s = spikes.detach()  # [steps, B, ...] of 0/1, in whatever layout the layer ran
        end = offset + s.shape[0]
        if end > self.spikes.shape[0]:
            return  # a run longer than the evaluation asked for: not accounted
        # reduced in place of flattening: a channels-last [T, B, C, H, W] would be copied
        per_step = s.sum(1).flatten(1).double()  # exact: counts of at most B per neuron, step
        if self.synapses.device != per_step.device:
            self.synapses, self.routing = (w.to(per_step.device) for w in (self.synapses, self.routing))
        self.spikes[offset:end] += per_step.sum(1).cpu()
        self.sops[offset:end] += (per_step @ self.synapses).cpu()
        self.routed[offset:end] += (per_step @ self.routing).cpu()
        if self.samples == 0:
            self.raster.append(s[:, 0].flatten(1)[:, self.raster_index.to(s.device)].cpu())
        if self.ann is not None:
            self._errors(values.detach(), offset)

    def _errors(self, v: Tensor, offset: int) -> None:
        """Add this run's steps to the running sum (in place), and at each snapshot ``t`` in
        them, the batch's mean |sum/t - a| per sample."""
        position = offset
        for t in [t for t in self.snapshots if offset < t <= offset + v.shape[0]]:
            self._accumulate(v[position - offset:t - offset])
            position = t
            gap = (self.running / t - self.ann.to(v.device)).abs()
            gap = gap.mean(tuple(range(1, gap.dim())), dtype=torch.float64)
            self.error[t] += float(gap.sum())
        if position < offset + v.shape[0]:
            self._accumulate(v[position - offset:])

    def _accumulate(self, steps: Tensor) -> None:
        """``running += steps.sum(0)`` without a temporary for one step (chunks of one step
        are the rule at batch 128)."""
        part = steps[0] if steps.shape[0] == 1 else steps.sum(0)
        if self.running is None:
            self.running = part.clone()
        else:
            self.running.add_(part)

    def totals(self) -> list[float]:
        return [*self.spikes.tolist(), *self.sops.tolist(), *self.routed.tolist(),
                *self.error.values(), float(self.samples)]

    def load(self, values: list[float]) -> None:
        n = self.spikes.shape[0]
        self.spikes, self.sops, self.routed = (torch.tensor(values[i * n:(i + 1) * n],
                                                            dtype=torch.float64) for i in range(3))
        self.error = dict(zip(self.snapshots, values[3 * n:3 * n + len(self.snapshots)]))
        self.samples = int(values[-1])

    def report_row(self, t: int) -> dict:
        """This layer's costs per inference at ``T = t``."""
        per = max(self.samples, 1)
        spikes = float(self.spikes[:t].sum()) / per
        return {"layer": self.name, "kind": self.kind, "spike_values": self.alphabet,
                "neurons": self.neurons,
                "spikes_per_neuron": spikes / self.neurons,
                "firing_rate": spikes / (self.neurons * t),
                "sops": float(self.sops[:t].sum()) / per,
                "routing_acs": float(self.routed[:t].sum()) / per,
                "ann_snn_error": self.error[t] / per}


class CostMeter:
    """Accounts an evaluation of ``snn`` at the ``snapshots`` T; see :meth:`records`."""

    def __init__(self, snn, fanout: Fanout, snapshots: list[int]):
        self.snn, self.fanout = snn, fanout
        self.two_phase, self.setup = snn.two_phase_layers(), snn.setup_steps()
        self.layers = {name: LayerMeter(name, n.label, fanout.synapses[name], fanout.routing[name],
                                        snapshots, n.spike_alphabet())
                       for name, n in snn.neurons()}
        for name, neuron in snn.neurons():
            neuron.observer = self.layers[name]

    def begin(self, ann_acts: dict[str, Tensor] | None) -> None:
        for name, layer in self.layers.items():
            layer.begin(None if ann_acts is None else ann_acts.get(name))

    def end(self, batch: int) -> None:
        for layer in self.layers.values():
            layer.samples += batch
            layer.ann = layer.running = None

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
