"""The shared mechanism: one SNN pass per batch with a per-layer update before each layer."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import Tensor, fx

from ann2snn.ann.sites import site_module
from ann2snn.batches import iterate_batches
from ann2snn.snn.network import SpikingNetwork
from ann2snn.snn.neuron import SpikingNeuron

#: ``update(name, neuron, currents [T, B, C, ...], ann_activation [B, C, ...])``; it may
#: return the layer's outputs ``[T, B, C, ...]`` for these currents (then the layer is not
#: run a second time), or None
LayerUpdate = Callable[[str, SpikingNeuron, Tensor, Tensor], "Tensor | None"]


def channel_mean(x: Tensor, leading: int) -> Tensor:
    """Mean over everything but the channel dim, which follows ``leading`` dims."""
    dims = tuple(d for d in range(x.dim()) if d != leading)
    return x.mean(dim=dims)


class Clock:
    """A calibration's seconds, and those of its ANN passes, for the cost ratio reported
    with it: ``seconds / (T · one ANN pass over the calibration data)``."""

    def __init__(self) -> None:
        self.started, self.ann = time.perf_counter(), 0.0

    def cost(self, steps: int, sweeps: int, **fields) -> dict:
        """``fields`` plus seconds; ``sweeps``: how many times the ANN saw the data."""
        seconds = time.perf_counter() - self.started
        ann_pass = self.ann / max(sweeps, 1)
        ratio = round(seconds / (steps * ann_pass), 2) if ann_pass > 0 else None
        return {**fields, "seconds": round(seconds, 3), "ann_pass_seconds": round(ann_pass, 4),
                "ann_passes_per_step": ratio}


@torch.no_grad()
def layerwise_pass(snn: SpikingNetwork, ann: fx.GraphModule, x: Tensor, steps: int,
                   update: LayerUpdate, clock: Clock | None = None, chunked: bool = False
                   ) -> Tensor:
    """Record the ANN's activations on ``x``, then run the SNN once for ``steps`` steps,
    calling ``update`` on each spiking layer's input currents just before the layer runs.
    Returns the SNN's per-step outputs; the ANN's seconds go to ``clock``. ``chunked``: the
    SNN runs in its time chunks, ``update`` seeing each chunk's currents in turn (for a
    causal update, which carries the layer's state across chunks); else all steps at once."""
    acts: dict[str, Tensor] = {}
    hooks = []
    for name, _ in snn.neurons():
        module = site_module(ann, name)
        hooks.append(module.register_forward_hook(
            lambda _m, _i, out, name=name: acts.__setitem__(name, out.detach())))
    started = time.perf_counter()
    try:
        ann(x)
    finally:
        for h in hooks:
            h.remove()
    if clock is not None:
        clock.ann += time.perf_counter() - started

    layers = snn.neurons()
    for name, neuron in layers:  # for this pass only
        neuron.calibration_step = (lambda currents, name=name, neuron=neuron:
                                   update(name, neuron, currents, acts[name]))
    try:
        return snn(x, steps, chunk=None if chunked else 0)
    finally:
        for _, neuron in layers:
            neuron.calibration_step = None


def take_batches(data, count: int, device) -> list[tuple[Tensor, Tensor | None]]:
    """The first ``count`` batches of ``data`` as checked ``(x, y or None)`` on ``device``."""
    return list(iterate_batches(data, "calibration data", max_batches=count, device=device))
