"""A method is a composition of choices, applied by the one conversion pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from ann2snn.errors import MethodError

THRESHOLDS = ("lambda", "max", "percentile", "mse", "auto")
NEURONS = ("if", "tpp", "bitcoded")
BIAS_SHIFTS = (None, "rts", "half_level")


@dataclass(frozen=True)
class Recipe:
    """The choices that make a conversion method.

    - ``threshold``: ``lambda`` (θ = λ of ClipReLU/QCFS), ``max``, ``percentile``, ``mse``
      (from calibration data), or ``auto`` (λ where the network has it, else percentile);
    - ``percentile`` p and ``per_channel`` granularity for data thresholds;
    - ``v0``: initial potential as a fraction of θ, or ``"shift"`` for QCFS's ``θ·φ``;
    - ``bias_shift``: ``None``, ``"rts"`` (θ/(2T) added to every spiking layer's bias) or
      ``"half_level"`` (λ/(2L), error-free conversion);
    - ``neuron``: ``if``, ``tpp`` (with ``tpp_g``) or ``bitcoded``;
    - ``permute``: temporal misalignment of each IF layer's output (``layer``/``neuron``);
    - ``calibration``: forward-only calibration passes run after thresholds, in order, with
      their parameters in ``params``;
    - ``base``: a preset this one adds to (``auto``: by the network's activations);
    - ``activations``: the ANN activation kinds the method accepts; ``seed``: randomness.
    """

    name: str
    description: str
    threshold: str = "max"
    percentile: float = 99.9
    per_channel: bool = False
    v0: float | str = 0.0
    bias_shift: str | None = None
    neuron: str = "if"
    tpp_g: str = "rate"
    permute: str | None = None
    calibration: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)
    base: str | None = None
    activations: tuple[str, ...] = ("relu", "clip", "qcfs")
    seed: int = 0
    #: fields the user set with :meth:`with_options` (they win over a base preset's)
    overridden: tuple[str, ...] = ()

    @property
    def depends_on_timesteps(self) -> bool:
        """True when conversion needs ``T`` (each ``T`` is then its own conversion and run)."""
        return (self.threshold == "mse" or self.bias_shift is not None or self.base is not None
                or bool(self.calibration) or self.neuron != "if")

    def with_options(self, **overrides) -> Recipe:
        """A copy with user overrides of the recipe's fields (``threshold=``, ``v0=``, ...)
        or of its calibration parameters (``eta=``, ``iterations=``, ...)."""
        names = {f.name for f in fields(self)} - {"name", "description", "params", "overridden"}
        params = {k: overrides.pop(k) for k in list(overrides) if k in self.params}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise MethodError(
                f"method {self.name!r} has no option {', '.join(map(repr, unknown))}; "
                f"options are: {', '.join(sorted(names | set(self.params)))}"
            )
        if "base" in overrides and self.base is None:
            raise MethodError(f"method {self.name!r} takes no base; only methods that add to "
                              "another (ftbc, tpp) do")
        checks = (("threshold", THRESHOLDS), ("neuron", NEURONS), ("bias_shift", BIAS_SHIFTS),
                  ("permute", (None, "layer", "neuron")), ("tpp_g", ("rate", "floor", "rate-sequential")))
        for key, allowed in checks:
            if key in overrides and overrides[key] not in allowed:
                raise MethodError(f"{key} must be one of {allowed}, got {overrides[key]!r}")
        return replace(self, **overrides, params={**self.params, **params},
                       overridden=tuple(sorted({*self.overridden, *overrides})))
