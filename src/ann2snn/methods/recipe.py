"""A method is a composition of choices, applied by the one conversion pipeline
(docs/methods.md#recipes)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from ann2snn.errors import OptionError
from ann2snn.methods.options import (  # noqa: F401  (re-exported: the vocabularies)
    BIAS_SHIFTS,
    FIELDS,
    NEURONS,
    PERMUTE,
    THRESHOLDS,
    param_options,
    pass_defaults,
)

#: how each user-settable field and calibration parameter is checked where it enters
FIELD_CHECKS = {name: option.check for name, option in FIELDS.items()}


def param_check(name: str):
    """The check of calibration parameter ``name`` (None: no registered pass has it)."""
    option = param_options().get(name)
    return None if option is None else option.check


@dataclass(frozen=True)
class Recipe:
    """The choices that make a conversion method.

    - ``threshold``: ``lambda`` (θ = λ of ClipReLU/QCFS), ``max``, ``percentile``, ``mse``
      (from calibration data), or ``auto`` (λ where the network has it, else percentile);
    - ``percentile`` p and ``per_channel`` granularity for data thresholds;
    - ``v0``: initial potential as a fraction of θ, or ``"shift"`` for QCFS's ``θ·φ``;
    - ``bias_shift``: ``None``, ``"rts"`` (θ/(2T) added to every spiking layer's bias) or
      ``"half_level"`` (λ/(2L), error-free conversion);
    - ``neuron``: ``if``, ``tpp`` (with ``tpp_g``), ``bitcoded`` or ``mt`` (with
      ``mt_thresholds``); ``coding``: ``rate`` or ``diff`` (differential coding);
    - ``t_max``: the T the ``iterative`` thresholds are computed for (None: each T its own);
    - ``permute``: temporal misalignment of each IF layer's output (``layer``/``neuron``);
    - ``calibration``: forward-only calibration passes run after thresholds, in order, with
      their parameters in ``params``;
    - ``base``: a preset this one adds to (``auto``: by the network's activations);
    - ``activations``: the ANN activation kinds the method accepts; ``seed``: randomness.
    """

    name: str
    description: str
    threshold: str = FIELDS["threshold"].default
    percentile: float = FIELDS["percentile"].default
    per_channel: bool = FIELDS["per_channel"].default
    v0: float | str = FIELDS["v0"].default
    bias_shift: str | None = FIELDS["bias_shift"].default
    neuron: str = FIELDS["neuron"].default
    tpp_g: str = FIELDS["tpp_g"].default
    coding: str = FIELDS["coding"].default
    mt_thresholds: int = FIELDS["mt_thresholds"].default
    t_max: int | None = FIELDS["t_max"].default
    permute: str | None = FIELDS["permute"].default
    calibration: tuple[str, ...] = FIELDS["calibration"].default
    params: dict = field(default_factory=dict)
    base: str | None = FIELDS["base"].default
    activations: tuple[str, ...] = FIELDS["activations"].default
    seed: int = FIELDS["seed"].default
    #: fields and parameters the user set with :meth:`with_options` (checked against the
    #: network by :func:`ann2snn.methods.compose.check_options`: applied or refused)
    overridden: tuple[str, ...] = ()

    def __post_init__(self):
        """Every field checked; every parameter its calibration passes read, defaults first
        (methods/options.py)."""
        for key, check in FIELD_CHECKS.items():
            check(key, getattr(self, key))
        object.__setattr__(self, "params", {**pass_defaults(self.calibration), **self.params})

    @property
    def depends_on_timesteps(self) -> bool:
        """True when conversion needs ``T`` (each ``T`` is then its own conversion and run)."""
        return (self.threshold == "mse" or self.bias_shift is not None or self.base is not None
                or bool(self.calibration) or self.neuron not in ("if", "mt")
                or self.threshold == "iterative" and self.t_max is None)

    def option_names(self) -> list[str]:
        """Everything :meth:`with_options` accepts."""
        own = {f.name for f in fields(self)} - {"name", "description", "params", "overridden"}
        return sorted(own | set(self.params))

    def with_options(self, **overrides) -> Recipe:
        """A copy with user overrides of the recipe's fields (``threshold=``, ``v0=``, ...)
        or of its calibration parameters (``eta=``, ``iterations=``, ...), each checked."""
        unknown = sorted(set(overrides) - set(self.option_names()))
        if unknown:
            raise OptionError(
                f"method {self.name!r} has no option {', '.join(map(repr, unknown))}; "
                f"options are: {', '.join(self.option_names())}"
            )
        if "base" in overrides and self.base is None:
            raise OptionError(f"method {self.name!r} takes no base; only methods that add to "
                              "another (ftbc, tpp) do")
        for key, value in overrides.items():
            (param_check(key) if key in self.params else FIELD_CHECKS[key])(key, value)
        params = {k: overrides.pop(k) for k in list(overrides) if k in self.params}
        return replace(self, **overrides, params={**self.params, **params},
                       overridden=tuple(sorted({*self.overridden, *overrides, *params})))


def recipe_from_dict(record, where: str) -> Recipe:
    """A recipe as a file recorded it, every field checked (nothing in it is called)."""
    if not isinstance(record, dict):
        raise OptionError(f"{where}: the recipe record is not a mapping")
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(record) - known)
    if unknown or not isinstance(record.get("name"), str):
        raise OptionError(f"{where}: the recipe record is malformed (unknown {unknown} or no name)")
    raw = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
    for key, value in raw.items():
        if key in FIELD_CHECKS:
            FIELD_CHECKS[key](key, value)
    params = raw.get("params", {})
    if not isinstance(params, dict) or any(param_check(k) is None for k in params):
        raise OptionError(f"{where}: the recipe's params are malformed")
    for key, value in params.items():
        param_check(key)(key, value)
    recipe = Recipe(**{k: v for k, v in raw.items() if k != "overridden"})
    overridden = raw.get("overridden", ())
    if not isinstance(raw.get("description", ""), str) or not isinstance(overridden, tuple) or \
            not set(overridden) <= set(recipe.option_names()):
        raise OptionError(f"{where}: the recipe record is malformed")
    return replace(recipe, overridden=overridden)
