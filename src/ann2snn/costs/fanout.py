"""Where a spike goes: the fan-out of every spiking neuron, and the MACs of analog layers
(docs/methods.md#costs).

The spiking graph is run on one sample in a *structural* mode: every synaptic layer (conv,
linear) has its non-zero weights set to 1 and no bias, average pooling becomes sum pooling,
constant scalings and unfolded batch norms become the identity, and spiking layers cut the
graph. The gradient of "every synaptic output reached" with respect to a spiking layer's
output is then, per neuron, the number of synapses its spike reaches: conv kernel positions
and output channels, with stride, padding and groups at the borders (``fanout``); the
gradient of "every pooling window and residual addition passed" is the number of
accumulates it costs on the way (``routing``). Only the ops a spike passes before the next
synaptic layer count: after a synaptic layer the signal is a current, not a spike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, fx, nn

from ann2snn.graph.ops import FUNCTIONS, METHODS, module_op
from ann2snn.snn.neuron import SpikingNeuron
from ann2snn.snn.time import time_add


@dataclass
class Fanout:
    """Per spiking layer (by name): ``synapses[name]`` and ``routing[name]``, tensors of one
    sample's shape; ``analog_macs``: MACs per inference of the synaptic layers that see no
    spike (before the first spiking layer); ``ann_macs``: every synaptic layer's MACs (the
    ANN's cost); ``neurons[name]``: how many neurons the layer has."""

    synapses: dict[str, Tensor] = field(default_factory=dict)
    routing: dict[str, Tensor] = field(default_factory=dict)
    neurons: dict[str, int] = field(default_factory=dict)
    analog_macs: float = 0.0
    ann_macs: float = 0.0


def _binary(weight: Tensor) -> Tensor:
    return (weight != 0).to(weight.dtype)


def _synaptic(mod_or_fn, args, kwargs) -> Tensor:
    """The layer with its non-zero weights set to 1 and no bias, on ``args[0]``."""
    x = args[0]
    if isinstance(mod_or_fn, nn.Module):
        mod = mod_or_fn
        if isinstance(mod, nn.Linear):
            return F.linear(x, _binary(mod.weight))
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[x.dim() - 2]
        return conv(x, _binary(mod.weight), None, mod.stride, mod.padding, mod.dilation, mod.groups)
    weight = args[1] if len(args) > 1 else kwargs["weight"]
    rest = {k: v for k, v in kwargs.items() if k not in ("weight", "bias")}
    extra = tuple(args[3:]) if mod_or_fn is not F.linear else ()
    return mod_or_fn(x, _binary(weight), None, *extra, **rest)


def _adaptive_sum(x: Tensor, output_size) -> Tensor:
    """Adaptive average pooling times each window's size: the windows' sums."""
    dims = x.dim() - 2
    sizes = (output_size,) * dims if isinstance(output_size, int) else tuple(output_size)
    pool = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[dims]
    out = pool(x, output_size)
    count = torch.ones((), dtype=x.dtype, device=x.device)
    for d, size in enumerate(sizes):
        length = x.shape[2 + d]
        size = length if size is None else size
        window = torch.tensor([-(-(i + 1) * length // size) - (i * length // size)
                               for i in range(size)], dtype=x.dtype, device=x.device)
        count = count.unsqueeze(-1) * window
    return out * count


def _sum_pool(op, args, kwargs) -> Tensor:
    """Average pooling with every weight 1: each window's sum (padding adds nothing)."""
    x = args[0]
    if isinstance(op, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)):
        return _adaptive_sum(x, op.output_size)
    if op in (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d):
        return _adaptive_sum(x, args[1] if len(args) > 1 else kwargs["output_size"])
    if op is torch.mean:
        return torch.sum(*args, **kwargs)
    if isinstance(op, nn.Module):
        spec = (op.kernel_size, op.stride, op.padding, op.ceil_mode, op.count_include_pad)
        op = {nn.AvgPool1d: F.avg_pool1d, nn.AvgPool2d: F.avg_pool2d,
              nn.AvgPool3d: F.avg_pool3d}[type(op)]
        args, kwargs = (x, *spec), {}
    if op is F.avg_pool1d:  # no divisor_override in 1-d: as 2-d with a unit height
        k, s, p, *rest = (*args[1:], *kwargs.values())
        s = k if s is None else s
        first = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
        return F.avg_pool2d(x.unsqueeze(-2), (1, first(k)), (1, first(s)), (0, first(p)),
                            *rest, divisor_override=1).squeeze(-2)
    return op(*args, **{**kwargs, "divisor_override": 1})


class _Structural(fx.Interpreter):
    """Runs the spiking graph on one sample with structural weights (see the module doc)."""

    def __init__(self, gm: fx.GraphModule, source: str | None, mode: str):
        super().__init__(gm)
        self.source, self.mode = source, mode  # mode: "spikes" | "analog" | "ann"
        self.leaf: Tensor | None = None
        self.macs = 0.0
        self.synaptic_t: Tensor | float = 0.0
        self.routed_t: Tensor | float = 0.0

    def _neuron(self, name: str, x: Tensor) -> Tensor:
        if self.mode == "ann":
            return torch.ones_like(x)
        if self.mode == "spikes" and name == self.source:
            self.leaf = torch.zeros_like(x.detach()).requires_grad_(True)
            return self.leaf
        return torch.zeros_like(x.detach())

    def _reached(self, t: Tensor) -> bool:
        return isinstance(t, Tensor) and t.requires_grad

    def call_module(self, target, args, kwargs):
        mod = self.fetch_attr(target)
        if isinstance(mod, SpikingNeuron):
            return self._neuron(str(target).rpartition(".")[2], args[0])
        op = module_op(mod)
        role = op.role if op is not None else None
        if role == "synapse":
            return self._synapse(mod, args, kwargs)
        if role == "pool":
            return self._route(_sum_pool(mod, args, kwargs), args[0])
        if role in ("affine", "identity", "dropout"):
            return args[0]
        return mod.forward(*args, **kwargs)  # no hooks: a probe is not a run

    def call_function(self, target, args, kwargs):
        op = FUNCTIONS.get(target)
        role = op.role if op is not None else None
        if role == "synapse":
            return self._synapse(target, args, kwargs)
        if role in ("pool", "reduce") and isinstance(args[0], Tensor):
            out = _sum_pool(target, args, kwargs) if role == "pool" else torch.sum(*args, **kwargs)
            return self._route(out, args[0])
        if role == "add":
            return self._add(target, args, kwargs)
        if role == "scale":
            tensors = [a for a in args if isinstance(a, Tensor)]
            return tensors[0] if len(tensors) == 1 else super().call_function(target, args, kwargs)
        if role == "concat":
            return torch.cat(*args, **kwargs)
        return super().call_function(target, args, kwargs)

    def call_method(self, target, args, kwargs):
        op = METHODS.get(target)
        role = op.role if op is not None else None
        if role == "add" and isinstance(args[1], Tensor):
            return self._add(target, args[:2], {})
        if role == "scale":
            return args[0]
        if role == "reduce" and isinstance(args[0], Tensor):
            return self._route(super().call_method("sum", args, kwargs), args[0])
        return super().call_method(target, args, kwargs)

    def _add(self, target, args, kwargs) -> Tensor:
        """A sum of signals costs an accumulate per element a spike reaches (a difference
        too: the structure counts, not the sign)."""
        signals = [a for a in args[:2] if isinstance(a, Tensor)]
        for a in signals:
            if self._reached(a):
                self.routed_t = self.routed_t + a.sum()
        if len(signals) == 2:
            return time_add(*signals)
        return signals[0] if signals else super().call_function(target, args, kwargs)

    def _route(self, out: Tensor, x: Tensor) -> Tensor:
        if self._reached(x):
            self.routed_t = self.routed_t + out.sum()
        return out

    def _synapse(self, mod_or_fn, args, kwargs) -> Tensor:
        x = args[0]
        if self.mode == "spikes":  # the synapses reached count; a current goes on, not spikes
            out = _synaptic(mod_or_fn, args, kwargs)
            if self._reached(x):
                self.synaptic_t = self.synaptic_t + out.sum()
            return torch.zeros_like(out.detach())
        ones = (x.detach() != 0).to(x.dtype) if self.mode == "analog" else torch.ones_like(x)
        out = _synaptic(mod_or_fn, (ones,) + tuple(args[1:]), kwargs)
        self.macs += float(out.sum())
        return out if self.mode == "ann" else (out != 0).to(out.dtype)


def analyse(snn, sample: Tensor) -> Fanout:
    """The :class:`Fanout` of ``snn`` for inputs shaped like ``sample`` (``[B, ...]``)."""
    gm = snn.net
    x = torch.ones_like(sample[:1], dtype=torch.float32)
    fan = Fanout()
    with torch.no_grad():
        for mode in ("analog", "ann"):
            probe = _Structural(gm, None, mode)
            probe.run(x)
            setattr(fan, f"{mode}_macs", probe.macs)
    for name, _ in snn.neurons():
        probe = _Structural(gm, name, "spikes")
        with torch.enable_grad():
            probe.run(x)
        leaf = probe.leaf
        for target, total in ((fan.synapses, probe.synaptic_t), (fan.routing, probe.routed_t)):
            if isinstance(total, Tensor) and total.requires_grad:
                target[name] = torch.autograd.grad(total, leaf, retain_graph=True)[0][0].detach()
            else:
                target[name] = torch.zeros_like(leaf[0]).detach()
        fan.neurons[name] = leaf[0].numel()
    return fan
