"""A method is a composition of choices, applied by the one conversion pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from ann2snn.errors import MethodError

THRESHOLDS = ("lambda", "max", "percentile", "mse", "auto")


@dataclass(frozen=True)
class Recipe:
    """The choices that make a conversion method.

    - ``threshold``: ``lambda`` (θ = λ of ClipReLU/QCFS), ``max``, ``percentile``, ``mse``
      (from calibration data), or ``auto`` (λ where the network has it, else percentile);
    - ``percentile`` p and ``per_channel`` granularity for data thresholds;
    - ``v0``: initial potential as a fraction of θ, or ``"shift"`` for QCFS's ``θ·φ``;
    - ``bias_shift``: ``None`` or ``"rts"`` (θ/(2T) added to every spiking layer's bias);
    - ``neuron``: the spiking neuron (``if``);
    - ``calibration``: forward-only calibration passes run after thresholds, in order;
    - ``activations``: the ANN activation kinds the method accepts.
    """

    name: str
    description: str
    threshold: str = "max"
    percentile: float = 99.9
    per_channel: bool = False
    v0: float | str = 0.0
    bias_shift: str | None = None
    neuron: str = "if"
    calibration: tuple[str, ...] = ()
    activations: tuple[str, ...] = ("relu", "clip", "qcfs")
    options: dict = field(default_factory=dict)

    @property
    def depends_on_timesteps(self) -> bool:
        """True when conversion needs ``T`` (each ``T`` is then its own conversion and run)."""
        return (self.threshold == "mse" or self.bias_shift is not None
                or bool(self.calibration) or self.neuron != "if")

    @property
    def needs_data(self) -> bool:
        return self.threshold != "lambda" or bool(self.calibration)

    def with_options(self, **overrides) -> Recipe:
        """A copy with user overrides of the recipe's fields (``threshold=``, ``v0=``, ...)."""
        names = {f.name for f in fields(self)} - {"name", "description", "options"}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise MethodError(
                f"method {self.name!r} has no option {', '.join(map(repr, unknown))}; "
                f"options are: {', '.join(sorted(names))}"
            )
        if "threshold" in overrides and overrides["threshold"] not in THRESHOLDS:
            raise MethodError(f"threshold must be one of {THRESHOLDS}, got {overrides['threshold']!r}")
        return replace(self, **overrides)
