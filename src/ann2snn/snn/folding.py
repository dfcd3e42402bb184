"""θ folded into the next layer's weights for simulation (docs/methods.md#threshold-folding).

An IF layer whose every consumer is a convolution or a linear layer (it alone feeds their
input) can emit 0/1 spikes instead of ``θ·s``: the consumer takes θ per input channel,

    W'[:, c] = W[:, c]·θ[c],     so     W' * s = W * (θ·s)   (up to rounding),

and the neuron saves its ``out *= θ`` pass (its reset becomes ``v -= θ·s`` in one pass). The
network's own graph keeps the unfolded weights: files, NIR export, the ANN read back and
calibration see them; the folded copy is only what :class:`SpikingNetwork` simulates, rebuilt
whenever a threshold or a consumer's weights change.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import torch
from torch import Tensor, fx, nn

from ann2snn.snn.if_neuron import IFNeuron

SYNAPSES = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
#: name prefix of the folded copies of the consumers in the simulated graph
FOLDED_PREFIX = "folded_synapse"


def _foldable(neuron: nn.Module) -> bool:
    """A rate-coded IF layer without permutation, θ per layer or per channel."""
    return (type(neuron) is IFNeuron and neuron.coding == "rate" and neuron.permute is None
            and neuron.threshold.dim() <= 1)


def _takes_theta(synapse: nn.Module, theta: Tensor) -> bool:
    """Whether ``synapse``'s input channels are θ's channels (any synapse for one θ)."""
    if theta.numel() == 1:
        return True
    if isinstance(synapse, nn.Linear):
        return synapse.in_features == theta.numel()
    return synapse.groups == 1 and synapse.in_channels == theta.numel()


def fold_plan(net: fx.GraphModule) -> dict[str, list[fx.Node]]:
    """``{neuron target: its consumer nodes}`` for every IF layer that can be folded: each
    consumer a synapse called once in the graph, with the neuron's output as its only input."""
    modules = dict(net.named_modules())
    calls: dict[str, int] = {}
    for node in net.graph.nodes:
        if node.op == "call_module":
            calls[node.target] = calls.get(node.target, 0) + 1
    plan = {}
    for node in net.graph.nodes:
        neuron = modules.get(node.target) if node.op == "call_module" else None
        if neuron is None or not _foldable(neuron):
            continue
        users = list(node.users)
        if users and all(
                u.op == "call_module" and isinstance(modules[u.target], SYNAPSES)
                and calls[u.target] == 1 and u.args == (node,) and not u.kwargs
                and _takes_theta(modules[u.target], neuron.threshold) for u in users):
            plan[node.target] = users
    return plan


def scaled_synapse(synapse: nn.Module, theta: Tensor) -> nn.Module:
    """A copy of ``synapse`` whose weight is scaled by θ per input channel."""
    folded = copy.deepcopy(synapse)
    w = folded.weight.detach()
    shape = (1, -1) + (1,) * (w.dim() - 2) if theta.numel() > 1 else ()
    scale = theta.detach().to(w.dtype).reshape(shape) if shape else theta.detach().to(w.dtype)
    fmt = torch.channels_last if w.dim() == 4 and w.is_contiguous(
        memory_format=torch.channels_last) else torch.contiguous_format
    folded.weight = nn.Parameter((w * scale).contiguous(memory_format=fmt),
                                 requires_grad=False)
    return folded


class FoldedGraph:
    """The simulated form of a spiking graph, θ folded where :func:`fold_plan` allows."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self.graph: fx.GraphModule | None = None
        self.neurons: list[IFNeuron] = []

    def _state_key(self, net: fx.GraphModule, plan: dict[str, list[fx.Node]]) -> tuple:
        """Identity, storage and version of every tensor the folded copy is made of."""
        def tensors() -> Iterator[Tensor]:
            for target, users in plan.items():
                yield net.get_submodule(target).threshold
                for u in users:
                    yield from net.get_submodule(u.target).parameters()
        return tuple((id(t), t.data_ptr(), t._version, t.device, t.dtype) for t in tensors())

    def get(self, net: fx.GraphModule) -> fx.GraphModule | None:
        """The folded graph (built or rebuilt on demand); None when nothing folds."""
        plan = fold_plan(net)
        key = (tuple(plan), self._state_key(net, plan))
        if key != self._key:
            self._key, self.graph, self.neurons = key, *self._build(net, plan)
        return self.graph

    @staticmethod
    def _build(net: fx.GraphModule, plan) -> tuple[fx.GraphModule | None, list[IFNeuron]]:
        if not plan:
            return None, []
        graph = copy.deepcopy(net.graph)
        folded = fx.GraphModule(net, graph)
        nodes = {n.name: n for n in graph.nodes}
        index = 0
        for target, users in plan.items():
            theta = net.get_submodule(target).threshold
            for user in users:
                name = f"{FOLDED_PREFIX}_{index}"
                index += 1
                folded.add_submodule(name, scaled_synapse(net.get_submodule(user.target), theta))
                nodes[user.name].target = name
        folded.recompile()
        return folded, [net.get_submodule(t) for t in plan]
