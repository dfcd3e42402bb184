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

RTS = register_method(Recipe(
    "rts", "RTS: θ/(2T) added to every spiking layer's bias, v0 = 0; θ = λ, else the 99.9th "
    "percentile (Deng & Gu, ICLR 2021)",
    threshold="auto", v0=0.0, bias_shift="rts",
))
MSE_SHIFT = register_method(Recipe(
    "mse-shift", "channel-wise MSE thresholds, θ/(2T) added to every bias, v0 = 0: the "
    "conversion SNNC and the official FTBC code start from (Li et al., ICML 2021)",
    threshold="mse", per_channel=True, v0=0.0, bias_shift="rts",
))
SNNC_LIGHT = register_method(Recipe(
    "snnc-light", "SNNC light: MSE thresholds, v0 = θ/2, then per-channel bias calibration, "
    "layer by layer, forward only (Li et al., ICML 2021)",
    threshold="mse", v0=0.5, calibration=("snnc-bias",),
))
SNNC_ADVANCED = register_method(Recipe(
    "snnc-advanced", "SNNC advanced: MSE thresholds, then per-neuron initial-potential "
    "calibration v0 <- v0 + T·(E[ann] - E[snn]) from v0 = θ/2, layer by layer (Li et al., ICML 2021)",
    threshold="mse", v0=0.5, calibration=("snnc-potential",),
))
FTBC = register_method(Recipe(
    "ftbc", "FTBC: per-layer, per-step, per-channel biases found forward only, layer by "
    "layer, on a base method (Wu et al., ECCV 2024)",
    base="auto", calibration=("ftbc",),  # eta, batches, iterations, holdout, fresh: methods/options.py
))
TPP = register_method(Recipe(
    "tpp", "two-phase probabilistic neurons on a base method's thresholds; g = floor (the "
    "IF train permuted) or rate (Bojkovic, Wu & Gu, ICML 2025; reconstructed)",
    base="auto", neuron="tpp", tpp_g="floor",
))
ERRORFREE = register_method(Recipe(
    "errorfree", "error-free bit-coded conversion: QCFS with L = 2^T - 1, bias shift λ/(2L), "
    "halving thresholds (Datta et al., TMLR 2025; reconstructed)",
    threshold="lambda", v0=0.0, bias_shift="half_level", neuron="bitcoded", activations=("qcfs",),
))
MT = register_method(Recipe(
    "mt", "multi-threshold neurons (one signed graded spike ±θ/2^k per step, k < N), rate "
    "coding, channel-wise thresholds by iteration on a Gaussian fit of the training data "
    "(Huang et al., ICML 2025)",
    threshold="iterative", per_channel=True, v0=0.0, neuron="mt",
))
DC = register_method(Recipe(
    "dc", "differential coding with IF neurons (spikes ±θ carry the change of the mean rate; "
    "T + 1 steps), channel-wise 99.9th-percentile thresholds, v0 = θ/2 (Huang et al., "
    "ICML 2025)",
    threshold="percentile", percentile=99.9, per_channel=True, v0=0.5, coding="diff",
))
DCGS = register_method(Recipe(
    "dcgs", "differential coding with multi-threshold neurons and iterated channel-wise "
    "thresholds: training-free conversion of ReLU networks at 4-8 steps (Huang et al., "
    "ICML 2025)",
    threshold="iterative", per_channel=True, v0=0.0, neuron="mt", coding="diff",
))
