"""How much memory a simulation needs, estimated before it runs, and refused when it cannot fit.

Per sample, the largest tensor of the network and its output are measured once on one
sample, with every spiking layer taken as the identity (same shapes, no state, no random
draws). A window of ``W`` steps of ``B`` samples keeps about four tensors of the largest size
alive (currents, membrane, spikes, outputs); the per-step outputs ``[T, B, classes]`` and their
running means take three more of the output's size for every step.
"""

from __future__ import annotations

import torch
from torch import Tensor, fx

from ann2snn.devices import available_bytes
from ann2snn.errors import Ann2SnnError
from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.text import plural

LIVE_WINDOW_TENSORS = 4
LIVE_OUTPUT_TENSORS = 3


class _SizeProbe(fx.Interpreter):
    """Runs a graph on one sample, spiking layers as identity; records the largest tensor
    and the shape of one sample at every node."""

    def __init__(self, gm: fx.GraphModule):
        super().__init__(gm)
        self.largest = 0
        self.shapes: dict[str, tuple[int, ...]] = {}

    def call_module(self, target, args, kwargs):
        module = self.fetch_attr(target)
        if isinstance(module, SpikingNeuron):
            return args[0]
        return module.forward(*args, **kwargs)  # no hooks: a probe is not a run

    def run_node(self, n: fx.Node):
        out = super().run_node(n)
        if isinstance(out, Tensor) and out.dim() > 0:
            self.largest = max(self.largest, out.numel())
            self.shapes[n.name] = tuple(out.shape[1:])
        return out


@torch.no_grad()
def activation_sizes(gm: fx.GraphModule, sample: Tensor) -> tuple[int, int]:
    """``(largest tensor, output)`` in elements per sample, from a run on ``sample[:1]``."""
    probe = _SizeProbe(gm)
    out = probe.run(sample[:1])
    return probe.largest, (out.numel() if isinstance(out, Tensor) else 0)


@torch.no_grad()
def node_shapes(gm: fx.GraphModule, shape: tuple[int, ...]) -> dict[str, tuple[int, ...]]:
    """The shape of one sample of ``shape`` at every node of ``gm``, found on fake tensors:
    nothing of the network's size is allocated. A shape the network cannot take is refused
    with the op that fails."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    probe = _SizeProbe(gm)
    try:
        with FakeTensorMode(allow_non_fake_inputs=True):
            probe.run(torch.empty(1, *shape))
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise Ann2SnnError(f"input shape {tuple(shape)} does not fit the network: "
                           f"{first.strip()[:200]}") from None
    return probe.shapes


def simulation_bytes(largest: int, output: int, steps: int, batch: int, window: int,
                     itemsize: int = 4) -> int:
    """Estimated peak bytes of simulating ``steps`` steps of ``batch`` samples in windows of
    ``window`` steps (``window = steps`` when the network cannot run in chunks)."""
    return itemsize * batch * (LIVE_WINDOW_TENSORS * min(window, steps) * largest
                               + LIVE_OUTPUT_TENSORS * steps * output)


def check_fits(largest: int, output: int, steps: int, batch: int, window: int,
               device: torch.device | str) -> str:
    """Refuse a simulation whose estimate exceeds the free memory, with the figures; else
    say what was checked (or that it could not be: free memory unknown)."""
    need = simulation_bytes(largest, output, steps, batch, window)
    free = available_bytes(device)
    if free is None:
        return (f"skipped: the free memory of {torch.device(device).type} is unknown here "
                f"(about {need / 2**30:.3g} GiB needed)")
    if need > free:
        raise Ann2SnnError(
            f"simulating T = {plural(steps, 'step')} of {plural(batch, 'sample')} needs about "
            f"{need / 2**30:.3g} GiB "
            f"({largest} values per sample in the largest layer, {output} outputs per step) but "
            f"{free / 2**30:.3g} GiB are free on {torch.device(device).type}; lower T or the "
            "batch size (--batch-size)"
        )
    return f"about {need / 2**30:.3g} GiB needed, {free / 2**30:.3g} GiB free"
