"""The presets. Each is a few choices; the pipeline does the rest."""

from __future__ import annotations

from ann2snn.methods.recipe import Recipe
from ann2snn.methods.registry import register_method

RATE = register_method(Recipe(
    "rate", "rate coding with max thresholds and v0 = 0 (Diehl et al. 2015)",
    threshold="max", v0=0.0,
))
ROBUST = register_method(Recipe(
    "robust", "99.9th-percentile thresholds, v0 = 0 (Rueckauer et al. 2017)",
    threshold="percentile", percentile=99.9, v0=0.0,
))
OPI = register_method(Recipe(
    "opi", "optimal initial potential v0 = θ/2; θ = λ of ClipReLU/QCFS, else the 99.9th "
    "percentile (Bu et al. AAAI 2022)",
    threshold="auto", percentile=99.9, v0=0.5,
))
QCFS = register_method(Recipe(
    "qcfs", "QCFS network: θ = λ, v0 = θ·φ (Bu et al. ICLR 2022)",
    threshold="lambda", v0="shift", activations=("qcfs",),
))
