"""FTBC as the official code schedules it: the whole network re-run for every layer and step.

For each batch, each spiking layer l in order and each step t: run the whole SNN for t + 1
steps, read layer l's output at step t, and correct ``β_l[t] -= η·(mean(out) - mean(ann))``
(docs/methods.md#ftbc). ``N·T`` network runs per batch, where ann2snn's layer-local FTBC
needs one; both must find the same biases. Used by ``benchmarks/speed.py`` and the tests.
"""

from __future__ import annotations

import torch
from torch import Tensor, fx

from ann2snn.calibration.layerwise import channel_mean
from ann2snn.graph.sites import SITE_PREFIX
from ann2snn.snn.network import SpikingNetwork
from ann2snn.snn.time import unfold_time


def _ann_activations(snn: SpikingNetwork, ann: fx.GraphModule, x: Tensor) -> dict[str, Tensor]:
    acts: dict[str, Tensor] = {}
    hooks = [ann.get_submodule(f"{SITE_PREFIX}.{name}").register_forward_hook(
        lambda _m, _i, out, name=name: acts.__setitem__(name, out.detach()))
        for name, _ in snn.neurons()]
    try:
        ann(x)
    finally:
        for h in hooks:
            h.remove()
    return acts


@torch.no_grad()
def ftbc_reference(snn: SpikingNetwork, ann: fx.GraphModule, batches: list[Tensor], steps: int,
                   eta: float = 0.5, iterations: int = 1) -> None:
    """Set every IF layer's ``step_bias`` ``[T, C]`` of ``snn`` in place, the slow way."""
    for _ in range(iterations):
        for x in batches:
            acts = _ann_activations(snn, ann, x)
            for name, neuron in snn.neurons():
                if neuron.step_bias is None:
                    neuron.step_bias = x.new_zeros(steps, acts[name].shape[1])
                target = channel_mean(acts[name], leading=1)
                for t in range(steps):
                    seen: list[Tensor] = []
                    hook = neuron.register_forward_hook(
                        lambda _m, _i, out, seen=seen, t=t, b=x.shape[0]:
                        seen.append(unfold_time(out, t + 1, b)[t]))
                    try:
                        snn(x, t + 1, chunk=0)
                    finally:
                        hook.remove()
                    neuron.step_bias[t] -= eta * (channel_mean(seen[0], leading=1) - target)
