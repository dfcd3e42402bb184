"""The converted network: a traced graph whose activations are spiking neurons."""

from __future__ import annotations

import operator
from typing import Any, Protocol

import torch
from torch import Tensor, fx, nn

from ann2snn.checks import check_finite_output, forward_checked
from ann2snn.errors import Ann2SnnError
from ann2snn.snn.folding import FoldedGraph
from ann2snn.snn.memory import activation_sizes, check_fits
from ann2snn.snn.neuron import SpikingNeuron

CHANNELS_LAST = torch.channels_last


class ConversionInfo(Protocol):
    """What a spiking network and its readers take from the record of its conversion
    (:class:`ann2snn.conversion.assemble.ConversionRecord`, written above this layer)."""

    recipe: Any
    timesteps: int | None
    origins: dict[str, str]
    calibration: dict[str, dict]
    input_shape: tuple[int, ...] | None
    silent: dict[str, str]


class SpikingNetwork(nn.Module):
    """Runs ``T`` steps with direct input coding and returns the per-step outputs.

    ``snn(x, T)`` with ``x`` of shape ``[B, ...]`` returns ``[T, B, ...]``: the analog
    output layer at each step. The prediction at step ``t`` is the argmax of the mean of
    steps ``1..t`` (see :func:`decode`). Nothing is carried over between calls.
    """

    def __init__(self, graph_module: fx.GraphModule, method: str, info: ConversionInfo | None = None):
        super().__init__()
        self.net = graph_module
        self.method = method
        #: what the conversion did (:class:`ann2snn.conversion.assemble.ConversionRecord`)
        self.info = info
        self.net.eval()
        self._sizes: dict[tuple[int, ...], tuple[int, int]] = {}
        self._folded = FoldedGraph()
        for module in self.net.modules():  # see forward: images run channels-last
            if isinstance(module, nn.Conv2d):
                module.weight.data = module.weight.data.contiguous(memory_format=CHANNELS_LAST)

    # -- structure ---------------------------------------------------------------------
    def two_phase_layers(self) -> int:
        """How many spiking layers fire only after accumulating all T steps."""
        return sum(1 for _, n in self.neurons() if n.two_phase)

    def setup_steps(self) -> int:
        """Steps run before the input: 1 under differential coding (the bias step)."""
        return int(any(n.coding == "diff" for _, n in self.neurons()))

    def neurons(self) -> list[tuple[str, SpikingNeuron]]:
        """Spiking layers in network order, with their names."""
        modules = dict(self.net.named_modules())
        return [
            (_site_name(node), modules[node.target])
            for node in self.net.graph.nodes
            if node.op == "call_module" and isinstance(modules.get(node.target), SpikingNeuron)
        ]

    @property
    def uniform_in_time(self) -> bool:
        """True when one run to ``T_max`` gives the outputs of every ``t <= T_max``."""
        return all(n.uniform_in_time for _, n in self.neurons())

    def seed(self, seed: int) -> None:
        """Restart every layer's random stream; layer i draws from seed ``seed·1000003 + i``."""
        for index, (_, neuron) in enumerate(self.neurons()):
            neuron.seed(int(seed) * 1000003 + index)

    def train(self, mode: bool = True) -> SpikingNetwork:
        super().train(mode)
        self.net.eval()  # folded BN, dropout: the spiking graph is always in inference mode
        return self

    # -- simulation --------------------------------------------------------------------
    #: default bound on time-steps x batch per chunk (memory grows with T·B otherwise)
    chunk_samples: int = 128
    #: simulate with θ folded into the consumers' weights where it can be (snn/folding.py)
    fold_thresholds: bool = True
    #: samples per sub-batch of an unwatched run of stateful, deterministic layers: a layer's
    #: per-step tensors stay cache-sized while its convolutions still see about
    #: ``chunk_samples`` samples per call (0: no split; docs/methods.md#simulation)
    sub_batch: int = 32

    def forward(self, x: Tensor, timesteps: int | None = None, chunk: int | None = None) -> Tensor:
        """Simulate ``timesteps`` steps; returns ``[T, B, ...]``.

        Networks whose neurons can carry state run in chunks of ``chunk`` steps (default:
        about ``chunk_samples / B``), which bounds memory and keeps tensors cache-sized;
        the result is the same as one chunk of ``T`` steps. ``chunk=0`` disables chunking.
        Images run channels-last (faster convolutions on CPU and GPU; the same values up to
        the convolutions' rounding), and θ is folded into the next layer where it can be
        (``fold_thresholds``; not while a layer is observed or calibrated). A simulation
        whose memory estimate exceeds the free memory is refused before it starts.
        """
        steps = _check_call(x, timesteps, getattr(self.info, "input_shape", None))
        if x.dim() == 4:
            x = x.contiguous(memory_format=CHANNELS_LAST)
        batch = x.shape[0]
        neurons = [n for _, n in self.neurons()]
        for neuron in neurons:
            neuron.check_horizon(steps)
        if self._splits(neurons, batch):  # per sample the same values, bit for bit
            return torch.cat([self(part, steps, chunk) for part in x.split(self.sub_batch)], 1)
        chunk = self.window(steps, batch, all(n.chunkable for n in neurons), chunk)
        self.check_memory(x, steps, chunk)
        graph, folded = self.simulated_graph(neurons)
        outputs = []
        try:
            for neuron in folded:
                neuron.unit_output = True
            for offset in range(0, steps, chunk):
                length = min(chunk, steps - offset)
                for neuron in neurons:
                    neuron.set_time(length, batch, offset)
                outputs.append(self._run(graph, x, length, batch))
        finally:
            for neuron in neurons:
                neuron.state, neuron.unit_output = None, False
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs)

    def splits_batch(self, batch: int) -> bool:
        """Whether ``batch`` samples may run as sub-batches of ``sub_batch`` with the same
        values: more than ``sub_batch`` of them, and every layer runs in chunks (IF, MT: no
        random draws, nothing shared between samples). An evaluation splits its accounted
        batches by it (the meter sums per sub-batch)."""
        return 0 < self.sub_batch < batch and all(n.chunkable for _, n in self.neurons())

    def _splits(self, neurons: list[SpikingNeuron], batch: int) -> bool:
        """Whether this run goes in sub-batches: :meth:`splits_batch`, and nobody watches
        (an observer, a calibration step, a hook would see parts of the batch)."""
        return self.splits_batch(batch) and not self._watched(neurons, unit_values=False)

    def _watched(self, neurons: list[SpikingNeuron], unit_values: bool = True) -> bool:
        """A calibration step, a forward hook, or an observer (``unit_values``: one that
        does not declare ``accepts_unit_values``)."""
        def observed(n: SpikingNeuron) -> bool:
            if n.observer is None:
                return False
            return not (unit_values and getattr(n.observer, "accepts_unit_values", False))
        return any(n.calibration_step is not None or observed(n) for n in neurons) or any(
            m._forward_hooks or m._forward_pre_hooks for m in self.net.modules())

    @classmethod
    def window(cls, steps: int, batch: int, chunkable: bool, chunk: int | None = None) -> int:
        """Steps per chunk of a run: ``chunk`` (0: all), else about ``chunk_samples / B``;
        all ``steps`` at once when the neurons cannot run in chunks."""
        if chunk is None:
            chunk = max(1, cls.chunk_samples // max(batch, 1))
        return steps if not chunk or chunk >= steps or not chunkable else chunk

    def check_memory(self, x: Tensor, steps: int, window: int) -> None:
        """Refuse ``steps`` steps of ``x`` in windows of ``window`` steps if it cannot fit."""
        key = tuple(x.shape[1:])
        if key not in self._sizes:
            self._sizes[key] = forward_checked(lambda s: activation_sizes(self.net, s), x,
                                               "the spiking network")
        check_fits(*self._sizes[key], steps, x.shape[0], window, x.device)

    def simulated_graph(self, neurons: list[SpikingNeuron]) -> tuple[fx.GraphModule, list]:
        """The graph to simulate and the layers whose θ it holds in their consumers: the
        folded form, unless folding is off or a layer is watched (a calibration step, a
        forward hook on any module, an observer that does not declare
        ``accepts_unit_values``: whoever reads a layer gets ``θ·s``)."""
        watched = self._watched(neurons)
        folded = None if watched or not self.fold_thresholds else self._folded.get(self.net)
        return (self.net, []) if folded is None else (folded, self._folded.neurons)

    def _run(self, graph: fx.GraphModule, x: Tensor, steps: int, batch: int) -> Tensor:
        out = forward_checked(graph, x, "the spiking network")
        if not isinstance(out, Tensor):
            raise Ann2SnnError("the network must return one tensor (the class scores)")
        if out.shape[0] == batch and (steps == 1 or out.shape[0] != steps * batch):
            return out.unsqueeze(0).expand(steps, *out.shape)
        return out.reshape(steps, batch, *out.shape[1:])

    # -- reporting ---------------------------------------------------------------------
    def summary(self) -> str:
        """One line per layer of the graph: name, op, and for spiking layers θ and v0."""
        modules = dict(self.net.named_modules())
        origins = getattr(self.info, "origins", {})
        rows = [("node", "op", "neuron / parameters")]
        for node in self.net.graph.nodes:
            if node.op == "call_module":
                mod = modules[node.target]
                if isinstance(mod, SpikingNeuron):
                    name = _site_name(node)
                    op = f"{mod.label} <- {origins.get(name, 'activation')}"
                    rows.append((name, op, mod.describe()))
                else:
                    rows.append((node.name, type(mod).__name__, _shape_of(mod)))
            elif node.op in ("call_function", "call_method"):
                name = getattr(node.target, "__name__", str(node.target))
                if name not in ("getattr", "size"):
                    rows.append((node.name, name, ""))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"SpikingNetwork(method={self.method!r})"]
        for r in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        for site, what in getattr(self.info, "silent", {}).items():
            lines.append(f"note: {site} never fired in calibration ({what}): θ set, it stays silent")
        return "\n".join(lines)


def _check_call(x, timesteps, input_shape) -> int:
    """``snn(x, T)``: a floating tensor ``[B, ...]`` of the converted input shape, and T > 0."""
    expected = f"[B, {', '.join(map(str, input_shape))}]" if input_shape else "[B, C, H, W]"
    if not isinstance(x, Tensor) or not x.is_floating_point() or x.dim() < 2:
        got = f"shape {list(x.shape)} ({x.dtype})" if isinstance(x, Tensor) else type(x).__name__
        raise Ann2SnnError(f"snn(x, T): x must be a floating-point tensor {expected}, got {got}")
    if input_shape and tuple(x.shape[1:]) != tuple(input_shape):
        raise Ann2SnnError(f"snn(x, T): x has shape {list(x.shape)}, but the network was "
                           f"converted for inputs {expected}")
    if timesteps is None:
        raise Ann2SnnError("snn(x, T): give the number of time steps T, e.g. snn(x, 8)")
    try:
        steps = operator.index(timesteps)
    except TypeError:
        raise Ann2SnnError(f"snn(x, T): T must be a positive integer, got {timesteps!r}") from None
    if isinstance(timesteps, bool) or steps <= 0:
        raise Ann2SnnError(f"snn(x, T): T must be a positive integer, got {timesteps!r}")
    return steps


def _site_name(node: fx.Node) -> str:
    return str(node.target).rpartition(".")[2]


def _shape_of(mod: nn.Module) -> str:
    if isinstance(mod, nn.modules.conv._ConvNd):
        return f"{mod.in_channels}->{mod.out_channels} k{tuple(mod.kernel_size)} s{tuple(mod.stride)}"
    if isinstance(mod, nn.Linear):
        return f"{mod.in_features}->{mod.out_features}"
    return ""


def decode(outputs: Tensor) -> Tensor:
    """Per-step outputs ``[T, B, C]`` -> the mean over steps ``1..t`` for every ``t``."""
    steps = torch.arange(1, outputs.shape[0] + 1, device=outputs.device, dtype=outputs.dtype)
    return outputs.cumsum(0) / steps.view(-1, *([1] * (outputs.dim() - 1)))


@torch.no_grad()
def snn_correct(snn: SpikingNetwork, x: Tensor, y: Tensor, steps) -> dict[int, int]:
    """Correct predictions at each ``t`` in ``steps`` from one run to ``max(steps)`` (the
    prediction at ``t`` reads steps ``<= t`` only)."""
    out = snn(x, max(steps))
    check_finite_output(out, f"the spiking network ({snn.method})")
    mean_out = decode(out)
    return {t: int((mean_out[t - 1].argmax(-1) == y).sum()) for t in steps}
