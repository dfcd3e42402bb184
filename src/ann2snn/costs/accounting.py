"""The costs of one evaluation: the ANN's activations of each batch for the per-layer error,
one :class:`CostMeter` per simulated network, and the report fields they make."""

from __future__ import annotations

import torch
from torch import Tensor

from ann2snn.ann.sites import site_module
from ann2snn.costs.energy import CONVENTIONS, energy_uj
from ann2snn.costs.fanout import analyse
from ann2snn.costs.meter import CostMeter
from ann2snn.distributed import Processes, all_sum


class Accounting:
    """Attach to the networks of an evaluation (``snns``: ``None`` -> the network that runs
    every T, or ``T`` -> the network of that T), feed it each batch, read the fields."""

    def __init__(self, prep, snns: dict, steps: list[int], sample: Tensor):
        self.ann = prep.gm.to(sample.device)  # the prepared ANN the networks came from
        self.acts: dict[str, Tensor] = {}
        self.hooks = [site_module(self.ann, s.name).register_forward_hook(
            lambda _m, _i, out, name=s.name: self.acts.__setitem__(name, out.detach()))
            for s in prep.sites]
        first = next(iter(snns.values()))
        self.fanout = analyse(first, sample)
        self.meters = {key: CostMeter(snn, self.fanout, steps if key is None else [key])
                       for key, snn in snns.items()}

    @torch.no_grad()
    def begin(self, x: Tensor) -> None:
        self.acts.clear()
        self.ann(x)
        for meter in self.meters.values():
            meter.begin(self.acts)

    def end(self, batch: int) -> None:
        for meter in self.meters.values():
            meter.end(batch)

    def reduce(self, procs: Processes) -> None:
        """Sum every process's counts (torchrun); identity for one process."""
        if procs.active:
            for meter in self.meters.values():
                meter.load(all_sum(meter.totals(), procs))

    def close(self) -> None:
        for hook in self.hooks:
            hook.remove()
        for meter in self.meters.values():
            meter.detach()

    def fields(self, steps: list[int]) -> dict:
        """``snn`` rows' cost fields by T, ``layers`` by T, ``ann`` costs, a raster, notes."""
        rows, layers = {}, {}
        for t in steps:
            meter = self.meters.get(t) or self.meters[None]
            rows[t], layers[str(t)] = meter.records(t)
        last = self.meters.get(max(steps)) or self.meters[None]
        return {"rows": rows, "layers": layers, "raster": {"T": max(steps), "sample": 0,
                                                           "layers": last.raster()},
                "ann": {"macs": self.fanout.ann_macs,
                        "energy_uj": energy_uj(self.fanout.ann_macs, 0.0)},
                "costs": dict(CONVENTIONS)}


def accounted_parts(snns: dict, x: Tensor, y: Tensor, accounting: Accounting | None) -> list:
    """``[(x, y)]``, or under accounting the sub-batches the networks would run unwatched
    (``SpikingNetwork.splits_batch``): the meter then sums per sub-batch."""
    if accounting is None or not all(s.splits_batch(int(x.shape[0])) for s in snns.values()):
        return [(x, y)]
    size = next(iter(snns.values())).sub_batch
    return list(zip(x.split(size), y.split(size)))
