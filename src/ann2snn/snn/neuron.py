"""Base of every spiking neuron module: time context, flexible buffers, one observer hook."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ann2snn.errors import MethodError
from ann2snn.functional.permute import permute_time
from ann2snn.registry import Registry
from ann2snn.snn.time import channelwise, fold_time, leading_sum, unfold_time


def param_tensor(x) -> Tensor:
    """A neuron parameter (θ, v0, a bias) as its own float tensor: a copy, never a view."""
    return x.detach().clone().float() if isinstance(x, Tensor) else torch.tensor(float(x))


def runs_in_chunks(kind: str, permute: str | None) -> bool:
    """Whether neurons of ``kind`` can run T in time chunks, carrying state between them:
    IF and MT neurons (either coding) without permutation (a permuted train needs all T
    steps at once; two-phase neurons accumulate all T before firing). The one rule: neurons
    and recipes read it."""
    return kind in ("if", "mt") and permute is None


#: every neuron kind by the name recipes use (``neuron="if"``); ``label`` is how reports and
#: summaries show it
NEURON_KINDS: Registry[type] = Registry("neuron kind")


def neuron_kind(name: str, label: str):
    """Class decorator: register a :class:`SpikingNeuron` subclass as kind ``name``."""
    def register(cls):
        cls.kind, cls.label = name, label
        return NEURON_KINDS.add(name, cls, label=label)
    return register


class SpikingNeuron(nn.Module):
    """A layer of neurons that maps input currents ``[T·B, ...]`` to outputs ``θ·s``.

    Subclasses implement :meth:`dynamics` on ``[T, B, ...]`` currents. The network sets the
    time context (``steps``, ``batch``) before each run; no state survives between runs.
    ``uniform_in_time`` is True when the dynamics do not depend on ``T``, so that one run to
    ``T_max`` gives the output at every ``t <= T_max``.
    """

    #: True when the dynamics can run in time chunks, carrying state between them
    chunkable: bool = True
    #: True for accumulate-then-fire neurons (a layer's output starts after its T steps)
    two_phase: bool = False
    #: the registered kind (recipes' spelling) and its label in reports (:func:`neuron_kind`)
    kind: str = "neuron"
    label: str = "neuron"
    #: buffers whose shape is taken from a loaded state_dict (they depend on T or granularity)
    flexible_buffers: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.steps = 1
        self.batch = 1
        self.offset = 0  # first step of the current chunk (time-chunked runs)
        self.state: Tensor | None = None  # carried between chunks, cleared at offset 0
        #: the one way to watch a layer: called as ``observer(spikes, values, offset)`` with
        #: the ``[T, B, ...]`` tensors of every run (cost accounting, :class:`SpikeCounter`).
        #: ``values`` are ``θ·s``, unless the observer sets ``accepts_unit_values``: then the
        #: network may fold θ, and a folded layer hands its 0/1 spikes as both tensors
        self.observer = None
        #: a calibration pass's layer-local step (calibration/layerwise.py): called with the
        #: ``[T, B, ...]`` currents before the layer runs; outputs it returns are the layer's
        self.calibration_step = None
        self.permute: str | None = None  # temporal misalignment of the output: layer | neuron
        self.coding = "rate"  # or "diff" (docs/methods.md#differential-coding)
        self.t_max: int | None = None  # the largest T the thresholds hold for (None: any)
        #: set by the network while θ sits in the consumers' weights: emit ``s``, not ``θ·s``
        #: (IF layers only; docs/methods.md#threshold-folding)
        self.unit_output = False
        self.seed_value = 0
        self._generator: torch.Generator | None = None

    @property
    def uniform_in_time(self) -> bool:
        """True when the output at step t does not depend on T (one run serves every t)."""
        return self.permute is None

    @property
    def outputs_scaled_spikes(self) -> bool:
        """True when every output value is ``θ·s[t]`` of the spikes it hands an observer, step
        by step (then ``Σ_t`` of the outputs is θ times the spike sum)."""
        return False

    def seed(self, seed: int) -> None:
        """Restart this layer's random stream (permutations, stochastic firing)."""
        self.seed_value, self._generator = int(seed), None

    def generator(self, device: torch.device) -> torch.Generator:
        if self._generator is None or self._generator.device != device:
            self._generator = torch.Generator(device=device).manual_seed(self.seed_value)
        return self._generator

    def spike_alphabet(self) -> str:
        """The values one spike of this layer can carry (reports record it)."""
        return "{0, θ}"

    def check_horizon(self, steps: int) -> None:
        """Refuse a run of ``steps`` past the ``t_max`` the layer's thresholds hold for."""
        if self.t_max is not None and steps > self.t_max:
            raise MethodError(f"this network's thresholds were computed for T <= {self.t_max} "
                              f"(t_max), but it runs T = {steps}: convert again with t_max >= "
                              f"{steps}")

    def set_time(self, steps: int, batch: int, offset: int = 0) -> None:
        """Run ``steps`` steps of ``batch`` samples next, starting at step ``offset``."""
        self.steps, self.batch, self.offset = int(steps), int(batch), int(offset)
        if offset == 0:
            self.state = None

    def forward(self, x: Tensor) -> Tensor:
        given = self.calibrated(x)
        if given is not None:
            return given
        currents = unfold_time(x, self.steps, self.batch)
        spikes, values = self.dynamics(currents)
        if self.permute is not None:
            values = permute_time(values, self.permute, self.generator(values.device))
        self.notify_observer(spikes, values)
        return fold_time(values)

    def calibrated(self, x: Tensor) -> Tensor | None:
        """Run a calibration pass's step on this run's currents, before the layer; the
        outputs it gives (folded), or None when the layer must run itself."""
        if self.calibration_step is None:
            return None
        given = self.calibration_step(unfold_time(x, self.steps, self.batch))
        return None if given is None or self.permute is not None else fold_time(given)

    def notify_observer(self, spikes: Tensor, values: Tensor) -> None:
        """Hand spikes and output values to the ``observer``, if there is one."""
        if self.observer is not None:
            self.observer(spikes, values, self.offset)

    def dynamics(self, currents: Tensor) -> tuple[Tensor, Tensor]:
        """``[T, B, ...]`` currents -> ``(spikes, output values)``, both ``[T, B, ...]``."""
        raise NotImplementedError

    def calibration_outputs(self, currents: Tensor) -> Tensor:
        """What a calibration averages over time: the outputs ``[T, B, ...]``, or ``[1, B,
        ...]`` their time-mean where the layer hands that on itself (two-phase layers)."""
        return self.dynamics(currents)[1]

    def param(self, p: Tensor, currents: Tensor) -> Tensor:
        """Broadcast a per-layer/per-channel/per-neuron parameter against one step."""
        return channelwise(p, currents.dim() - 2).to(currents.dtype)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in self.flexible_buffers:
            key = prefix + name
            if key in state_dict:
                current = getattr(self, name, None)
                device = current.device if isinstance(current, Tensor) else None
                self.register_buffer(name, torch.empty_like(state_dict[key], device=device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


class SpikeCounter:
    """An observer: spikes per neuron summed over steps and samples (``count``), and the
    samples seen. ``SpikeCounter.attach(snn)`` puts one on every layer."""

    accepts_unit_values = True  # reads the spikes only: θ may stay folded

    def __init__(self) -> None:
        self.count: Tensor | None = None
        self.samples = 0

    def __call__(self, spikes: Tensor, values: Tensor, offset: int) -> None:
        counted = leading_sum(spikes.detach(), 2)
        self.count = counted if self.count is None else self.count + counted
        self.samples += spikes.shape[1] if offset == 0 else 0

    @classmethod
    def attach(cls, snn) -> dict[str, SpikeCounter]:
        counters = {}
        for name, neuron in snn.neurons():
            neuron.observer = counters[name] = cls()
        return counters

