"""Resolve a preset that adds to a base preset (``ftbc``, ``tpp``) into one recipe, and check
that every choice the user made applies to the network (docs/methods.md#recipes)."""

from __future__ import annotations

from dataclasses import replace

from ann2snn.calibration.registry import is_causal
from ann2snn.errors import MethodError, OptionError
from ann2snn.methods.recipe import Recipe
from ann2snn.methods.registry import get_method


def auto_method(kinds: set[str]) -> str:
    """The method ``auto`` stands for on a network with activation ``kinds``: ``qcfs`` for
    QCFS networks, ``opi`` for ClipReLU ones, ``dcgs`` when any site is a plain ReLU
    (measured: docs/methods.md#default-method)."""
    if kinds == {"qcfs"}:
        return "qcfs"
    if kinds <= {"clip", "qcfs"}:
        return "opi"
    return "dcgs"


def default_base(kinds: set[str]) -> str:
    """``qcfs`` for QCFS networks, ``opi`` (θ = λ, v0 = θ/2) for ClipReLU ones, else
    ``snnc-light``."""
    if kinds == {"qcfs"}:
        return "qcfs"
    if kinds <= {"clip", "qcfs"}:
        return "opi"
    return "snnc-light"


def resolve(recipe: Recipe, kinds: set[str]) -> Recipe:
    """The recipe with its ``base`` merged in: the base's thresholds and initial potential,
    then this recipe's neuron, calibration passes and permutation on top. The user's
    overrides win over the base's choices and stay listed in ``overridden``."""
    if recipe.base is None:
        return recipe
    base_name = default_base(kinds) if recipe.base == "auto" else recipe.base
    base = resolve(get_method(base_name), kinds)
    if base.neuron != "if":
        raise MethodError(f"{recipe.name!r} cannot build on {base_name!r}: its base must use IF "
                          "neurons (rate, robust, opi, qcfs, rts, snnc-light, snnc-advanced)")
    user = {k: getattr(recipe, k) for k in recipe.overridden
            if k not in ("base", "calibration") and k not in recipe.params}
    return replace(
        base,
        **{k: v for k, v in user.items() if k not in ("neuron", "tpp_g", "permute", "seed")},
        name=recipe.name,
        description=f"{recipe.description} [base: {base_name}]",
        neuron=recipe.neuron,
        tpp_g=recipe.tpp_g,
        permute=recipe.permute or base.permute,
        calibration=base.calibration + recipe.calibration,
        params={**base.params, **recipe.params},
        seed=recipe.seed,
        base=None,
        activations=tuple(k for k in base.activations if k in recipe.activations),
        overridden=recipe.overridden,
    )


def serves_every_timestep(recipe: Recipe) -> bool:
    """True when one conversion of the resolved ``recipe`` to ``max(T)`` serves every T:
    nothing depends on T but one causal calibration pass (FTBC on an ``opi`` or ``qcfs``
    base, docs/methods.md#ftbc), whose first ``t`` steps are a calibration to ``t``; no
    permutation (a permuted train of ``T`` steps is no prefix of a longer one)."""
    return (recipe.base is None and recipe.permute is None and len(recipe.calibration) == 1
            and is_causal(recipe.calibration[0])
            and not replace(recipe, calibration=()).depends_on_timesteps)


def site_rule(recipe: Recipe, lam: float | None) -> str:
    """The threshold rule a site gets: ``auto`` is λ where the site has one, else percentile."""
    if recipe.threshold == "auto":
        return "lambda" if lam is not None else "percentile"
    return recipe.threshold


def quantiser_levels(recipe: Recipe, steps: int | None) -> int | None:
    """The levels ``n`` the ``iterative`` threshold rule quantises to: ``T`` (``t_max`` if
    set) spike counts of an IF neuron, ``T·2^N`` graded ones of an MT neuron with N
    thresholds (docs/methods.md#threshold-iteration)."""
    if recipe.threshold != "iterative":
        return None
    horizon = recipe.t_max or steps
    return horizon * 2**recipe.mt_thresholds if recipe.neuron == "mt" else horizon


def check_horizon(recipe: Recipe, steps: int) -> None:
    """Refuse a ``T`` past the ``t_max`` a recipe's iterative thresholds are computed for."""
    if recipe.threshold == "iterative" and recipe.t_max is not None and steps > recipe.t_max:
        raise OptionError(f"{recipe.name}: the iterative thresholds are computed for T <= "
                          f"t_max = {recipe.t_max}, but T = {steps} is asked: raise --t-max to "
                          f"{steps}, or leave it unset (each T computes its own)")


def check_combination(recipe: Recipe) -> None:
    """Refuse combinations that make no sense, saying what to do instead."""
    if recipe.coding == "diff" and recipe.neuron not in ("if", "mt"):
        raise MethodError(f"differential coding runs IF or MT neurons, not {recipe.neuron}: "
                          "use neuron='if' or 'mt', or coding='rate'")
    if recipe.coding == "diff" and (recipe.calibration or recipe.bias_shift or recipe.permute):
        raise MethodError("differential coding sends changes of the mean rate: calibration "
                          "passes, bias shifts and permutation act on rate-coded trains; "
                          "drop them, or use coding='rate'")
    if recipe.neuron == "mt" and (recipe.calibration or recipe.bias_shift):
        raise MethodError("calibration passes and bias shifts act on IF neurons; MT neurons "
                          "take their thresholds alone: drop them, or use an IF method")
    if recipe.permute is not None and recipe.neuron != "if":
        raise MethodError(
            f"permute={recipe.permute!r} reorders IF spike trains; {recipe.neuron} neurons "
            "already fire at their own steps (TPP at random steps, bit-coded by significance): "
            "drop permute, or use an IF-based method"
        )
    if "ftbc" in recipe.calibration and recipe.neuron != "if":
        raise MethodError(
            f"FTBC's per-step biases act on IF neurons step by step; {recipe.neuron} neurons "
            "accumulate all T steps before firing, so a per-step bias only adds to their sum: "
            "use ftbc with an IF base, or tpp alone"
        )


def _unused_options(recipe: Recipe, rules: set[str]) -> dict[str, str]:
    """User options that would change nothing here, with the reason."""
    why = {}
    if recipe.neuron == "bitcoded":
        for key in ("threshold", "percentile", "per_channel", "v0", "bias_shift"):
            why[key] = "error-free conversion fixes θ = λ, v0 = 0 and the shift λ/(2L)"
    if "percentile" not in rules:
        why.setdefault("percentile", f"no layer uses the percentile rule (rules: "
                                     f"{', '.join(sorted(rules))})")
    if rules == {"lambda"}:
        why.setdefault("per_channel", "θ = λ is one number per layer")
    if recipe.neuron != "tpp":
        why.setdefault("tpp_g", f"it applies to TPP neurons, not {recipe.neuron}")
    if recipe.neuron != "mt":
        why.setdefault("mt_thresholds", f"it applies to MT neurons, not {recipe.neuron}")
    if recipe.threshold != "iterative":
        why.setdefault("t_max", "it sets the horizon of iterative thresholds; this method's "
                                f"are {recipe.threshold}")
    fresh = "ftbc" in recipe.calibration and recipe.params["fresh"]
    if recipe.permute is None and recipe.neuron != "tpp" and not fresh:
        why.setdefault("seed", "the method draws nothing at random (no permute, no TPP, "
                               "no fresh FTBC batches)")
    return {k: v for k, v in why.items() if k in recipe.overridden}


def check_options(recipe: Recipe, rules: set[str], *, calib_batches: int | None) -> None:
    """Refuse what the user asked for that would be silently ignored on this network
    (``rules``: the threshold rules its sites get)."""
    unused = _unused_options(recipe, rules)
    if calib_batches is not None and not (rules - {"lambda"}) and not recipe.calibration:
        unused["calib_batches"] = "θ = λ needs no data and the method calibrates nothing"
    if unused:
        listing = "; ".join(f"{k}: {v}" for k, v in unused.items())
        raise MethodError(f"method {recipe.name!r} would ignore {', '.join(unused)} on this "
                          f"network ({listing}); drop {'it' if len(unused) == 1 else 'them'}")
