"""Every option of a method, declared once (docs/methods.md#recipes): the recipe's fields
and the calibration passes' parameters, each with its default, its check, its help and, for
the common ones, its command-line flag. :class:`~ann2snn.methods.recipe.Recipe` takes its
defaults from here, ``with_options`` its checks, the command line its flags and help."""

from __future__ import annotations

from ann2snn.functional.permute import PERMUTE_MODES
from ann2snn.functional.two_phase import TPP_G
from ann2snn.options import MAX_SEED, Option, boolean, integer, names, one_of, real

THRESHOLDS = ("lambda", "max", "percentile", "mse", "auto")
NEURONS = ("if", "tpp", "bitcoded")
BIAS_SHIFTS = (None, "rts", "half_level")
PERMUTE = (None, *PERMUTE_MODES)
#: the method a conversion uses when none is named
DEFAULT_METHOD = "robust"
#: calibration batches data thresholds read, and calibration passes (SNNC, FTBC's B), when
#: ``calib_batches`` is not given
THRESHOLD_BATCHES, CALIBRATION_BATCHES = 10, 5


def _v0(name, v):
    return v if v == "shift" else real()(name, v)


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
    Option("permute", None, "temporal misalignment: permute each IF layer's spike trains "
           "in time", one_of(PERMUTE), "--permute"),
    Option("calibration", (), "calibration passes, in order", names),
    Option("base", None, "base preset of ftbc/tpp (default: qcfs for QCFS, opi for "
           "ClipReLU, snnc-light for ReLU networks)", one_of(_registered_bases), "--base"),
    Option("activations", ("relu", "clip", "qcfs"), "ANN activation kinds accepted", names),
    Option("seed", 0, "seed of permutations, TPP draws and the order of FTBC's fresh batches",
           integer(0, MAX_SEED), "--method-seed", "SEED"),
)}

#: the calibration passes' parameters
PARAMS = {o.name: o for o in (
    Option("eta", 0.5, "FTBC step size η", real(0, strict=True), "--ftbc-eta", "ETA"),
    Option("batches", CALIBRATION_BATCHES, "FTBC calibration batches B (or --calib-batches)",
           integer(1), "--ftbc-batches", "B"),
    Option("iterations", 10, "FTBC iterations K", integer(0), "--ftbc-iterations", "K"),
    Option("holdout", 4, "held-out training batches that choose FTBC's iteration", integer(0),
           "--ftbc-holdout", "N"),
    Option("fresh", True, "FTBC reads fresh training batches every iteration", boolean),
)}

#: the parameters each calibration pass reads (a recipe gets their defaults)
PASS_PARAMS = {"ftbc": ("eta", "batches", "iterations", "holdout", "fresh"),
               "snnc-bias": (), "snnc-potential": ()}

#: every option with a command-line flag, fields and parameters alike
FLAGGED = [o for o in (*FIELDS.values(), *PARAMS.values()) if o.flag is not None]


def pass_defaults(calibration: tuple[str, ...]) -> dict:
    """The default parameters of the calibration passes ``calibration`` names."""
    return {p: PARAMS[p].default for step in calibration for p in PASS_PARAMS.get(step, ())}
