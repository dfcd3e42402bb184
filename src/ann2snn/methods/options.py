"""Every option of a method, declared once (docs/methods.md#recipes): the recipe's fields
and the calibration passes' parameters, each with its default, its check, its help and, for
the common ones, its command-line flag. :class:`~ann2snn.methods.recipe.Recipe` takes its
defaults from here, ``with_options`` its checks, the command line its flags and help."""

from __future__ import annotations

from ann2snn.calibration.registry import CALIBRATIONS, parameter_class
from ann2snn.errors import OptionError
from ann2snn.functional.permute import PERMUTE_MODES
from ann2snn.functional.two_phase import TPP_G
from ann2snn.options import (
    MAX_SEED,
    Option,
    boolean,
    integer,
    names,
    one_of,
    optional,
    options_of,
    positive_integer,
    real,
)
from ann2snn.snn import NEURON_KINDS

THRESHOLDS = ("lambda", "max", "percentile", "mse", "iterative", "auto")
#: how a spiking layer's output encodes its activation (docs/methods.md#differential-coding)
CODINGS = ("rate", "diff")
NEURONS = tuple(NEURON_KINDS.names())  # the registered neuron kinds
BIAS_SHIFTS = (None, "rts", "half_level")
PERMUTE = (None, *PERMUTE_MODES)
#: the method a conversion uses when none is named: chosen by the network's activations
#: (:func:`ann2snn.methods.compose.auto_method`; docs/methods.md#default-method)
DEFAULT_METHOD = "auto"
#: calibration batches data thresholds read when ``calib_batches`` is not given (calibration
#: passes read ``CALIBRATION_BATCHES`` of calibration/registry.py)
THRESHOLD_BATCHES = 10


def _v0(name, v):
    return v if v == "shift" else real()(name, v)


def _passes(name, v):
    """A tuple of registered calibration passes."""
    names(name, v)
    unknown = [p for p in v if p not in _pass_classes()]
    if unknown:
        raise OptionError(f"{name}: unknown calibration pass {unknown[0]!r}; known: "
                          f"{', '.join(_pass_classes())}")
    return v


def _registered_bases():
    from ann2snn.methods.registry import list_methods

    return [None, "auto", *list_methods()]


#: the recipe's fields a user may set
FIELDS = {o.name: o for o in (
    Option("threshold", "max", "threshold rule", one_of(THRESHOLDS), "--threshold"),
    Option("percentile", 99.9, "percentile p of the percentile rule",
           real(0, strict=True, high=100), "--percentile", "P"),
    Option("per_channel", False, "thresholds per channel", boolean, "--per-channel"),
    Option("v0", 0.0, "initial potential as a fraction of θ, or shift (QCFS's θ·φ)", _v0),
    Option("bias_shift", None, "rts (θ/(2T) added to every bias) or half_level (λ/(2L))",
           one_of(BIAS_SHIFTS)),
    Option("neuron", "if", "neuron kind", one_of(NEURONS)),
    Option("tpp_g", "floor", "TPP spike budget g(V)", one_of(TPP_G), "--tpp-g"),
    Option("coding", "rate", "what a spike carries: rate (the activation) or diff (the change "
           "of the layer's mean rate; T + 1 steps)", one_of(CODINGS), "--coding"),
    Option("mt_thresholds", 4, "thresholds N of a multi-threshold neuron (spikes ±θ/2^k, "
           "k < N)", integer(1, 16), "--mt-thresholds", "N"),
    Option("t_max", None, "the largest T the iterative thresholds are computed for (default: "
           "the T converted for)", optional(positive_integer), "--t-max", "T"),
    Option("permute", None, "temporal misalignment: permute each IF layer's spike trains "
           "in time", one_of(PERMUTE), "--permute"),
    Option("calibration", (), "calibration passes, in order", _passes),
    Option("base", None, "base preset of ftbc/tpp (default: qcfs for QCFS, opi for "
           "ClipReLU, snnc-light for ReLU networks)", one_of(_registered_bases), "--base"),
    Option("activations", ("relu", "clip", "qcfs"), "ANN activation kinds accepted", names),
    Option("seed", 0, "seed of permutations, TPP draws and the order of FTBC's fresh batches",
           integer(0, MAX_SEED), "--method-seed", "SEED"),
)}


def _pass_classes() -> dict[str, type | None]:
    import ann2snn.calibration  # noqa: F401  (registers the passes)

    return {name: parameter_class(name) for name in CALIBRATIONS}


def pass_params() -> dict[str, tuple[str, ...]]:
    """The parameters each registered calibration pass reads, from its own parameter class
    (a recipe gets their defaults); read when asked, so a pass registered later counts."""
    return {name: tuple(o.name for o in options_of(cls)) if cls else ()
            for name, cls in _pass_classes().items()}


def param_options() -> dict[str, Option]:
    """Every registered pass's parameters, by name."""
    return {o.name: o for cls in _pass_classes().values() if cls
            for o in options_of(cls)}


def flagged() -> list[Option]:
    """Every option with a command-line flag, fields and parameters alike."""
    return [o for o in (*FIELDS.values(), *param_options().values()) if o.flag is not None]


def pass_defaults(calibration: tuple[str, ...]) -> dict:
    """The default parameters of the calibration passes ``calibration`` names."""
    declared, per_pass = param_options(), pass_params()
    return {p: declared[p].default for step in calibration for p in per_pass.get(step, ())}


def pass_parameters(step: str, values: dict):
    """Pass ``step``'s typed parameters (a frozen dataclass), filled from a recipe's ``params``."""
    cls = parameter_class(step)
    return None if cls is None else cls(**{p: values[p] for p in pass_params()[step]})
