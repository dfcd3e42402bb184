"""A method is a composition of choices, applied by the one conversion pipeline
(docs/methods.md#recipes)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from ann2snn.checks import MAX_SEED
from ann2snn.errors import MethodError
from ann2snn.functional.permute import PERMUTE_MODES
from ann2snn.functional.two_phase import TPP_G

THRESHOLDS = ("lambda", "max", "percentile", "mse", "auto")
NEURONS = ("if", "tpp", "bitcoded")
BIAS_SHIFTS = (None, "rts", "half_level")
PERMUTE = (None, *PERMUTE_MODES)


def _real(name, v, low=None, *, strict=False, high=None):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise MethodError(f"{name} must be a finite number, got {v!r}")
    if low is not None and (v <= low if strict else v < low) or high is not None and v > high:
        span = f"{'>' if strict else '>='} {low}" + (f" and <= {high}" if high is not None else "")
        raise MethodError(f"{name} must be {span}, got {v!r}")


def _integer(name, v, low, high=None):
    if isinstance(v, bool) or not isinstance(v, int) or v < low or high is not None and v > high:
        span = f">= {low}" if high is None else f"from {low} to {high}"
        shown = f"{str(v)[:20]}..." if len(str(v)) > 24 else repr(v)
        raise MethodError(f"{name} must be an integer {span}, got {shown}")


def _one_of(allowed):
    def check(name, v):
        if v not in allowed:
            raise MethodError(f"{name} must be one of {', '.join(map(str, allowed))}; got {v!r}")
    return check


def _v0(name, v):
    if v != "shift":
        _real(name, v)


def _flag(name, v):
    if not isinstance(v, bool):
        raise MethodError(f"{name} must be True or False, got {v!r}")


def _names(name, v):
    if not isinstance(v, tuple) or not all(isinstance(e, str) for e in v):
        raise MethodError(f"{name} must be a tuple of names, got {v!r}")


#: how each user-settable field is checked where it enters
FIELD_CHECKS = {
    "threshold": _one_of(THRESHOLDS), "neuron": _one_of(NEURONS),
    "bias_shift": _one_of(BIAS_SHIFTS), "permute": _one_of(PERMUTE), "tpp_g": _one_of(TPP_G),
    "percentile": lambda n, v: _real(n, v, 0, strict=True, high=100), "per_channel": _flag,
    "v0": _v0, "seed": lambda n, v: _integer(n, v, 0, MAX_SEED), "calibration": _names,
    "activations": _names, "base": lambda n, v: v is None or _names(n, (v,)),
}
#: the calibration parameters presets may declare, and their checks
PARAM_CHECKS = {
    "eta": lambda n, v: _real(n, v, 0, strict=True), "batches": lambda n, v: _integer(n, v, 1),
    "iterations": lambda n, v: _integer(n, v, 0), "holdout": lambda n, v: _integer(n, v, 0),
    "fresh": _flag,
}


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
    tpp_g: str = "floor"
    permute: str | None = None
    calibration: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)
    base: str | None = None
    activations: tuple[str, ...] = ("relu", "clip", "qcfs")
    seed: int = 0
    #: fields and parameters the user set with :meth:`with_options` (checked against the
    #: network by :func:`ann2snn.methods.compose.check_options`: applied or refused)
    overridden: tuple[str, ...] = ()

    @property
    def depends_on_timesteps(self) -> bool:
        """True when conversion needs ``T`` (each ``T`` is then its own conversion and run)."""
        return (self.threshold == "mse" or self.bias_shift is not None or self.base is not None
                or bool(self.calibration) or self.neuron != "if")

    def option_names(self) -> list[str]:
        """Everything :meth:`with_options` accepts."""
        own = {f.name for f in fields(self)} - {"name", "description", "params", "overridden"}
        return sorted(own | set(self.params))

    def with_options(self, **overrides) -> Recipe:
        """A copy with user overrides of the recipe's fields (``threshold=``, ``v0=``, ...)
        or of its calibration parameters (``eta=``, ``iterations=``, ...), each checked."""
        unknown = sorted(set(overrides) - set(self.option_names()))
        if unknown:
            raise MethodError(
                f"method {self.name!r} has no option {', '.join(map(repr, unknown))}; "
                f"options are: {', '.join(self.option_names())}"
            )
        if "base" in overrides and self.base is None:
            raise MethodError(f"method {self.name!r} takes no base; only methods that add to "
                              "another (ftbc, tpp) do")
        for key, value in overrides.items():
            (PARAM_CHECKS if key in self.params else FIELD_CHECKS)[key](key, value)
        params = {k: overrides.pop(k) for k in list(overrides) if k in self.params}
        return replace(self, **overrides, params={**self.params, **params},
                       overridden=tuple(sorted({*self.overridden, *overrides, *params})))


def recipe_from_record(record, where: str) -> Recipe:
    """A recipe as a file recorded it, every field checked (nothing in it is called)."""
    if not isinstance(record, dict):
        raise MethodError(f"{where}: the recipe record is not a mapping")
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(record) - known)
    if unknown or not isinstance(record.get("name"), str):
        raise MethodError(f"{where}: the recipe record is malformed (unknown {unknown} or no name)")
    raw = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
    for key, value in raw.items():
        if key in FIELD_CHECKS:
            FIELD_CHECKS[key](key, value)
    params = raw.get("params", {})
    if not isinstance(params, dict) or any(k not in PARAM_CHECKS for k in params):
        raise MethodError(f"{where}: the recipe's params are malformed")
    for key, value in params.items():
        PARAM_CHECKS[key](key, value)
    recipe = Recipe(**{k: v for k, v in raw.items() if k != "overridden"})
    overridden = raw.get("overridden", ())
    if not isinstance(raw.get("description", ""), str) or not isinstance(overridden, tuple) or \
            not set(overridden) <= set(recipe.option_names()):
        raise MethodError(f"{where}: the recipe record is malformed")
    return replace(recipe, overridden=overridden)
