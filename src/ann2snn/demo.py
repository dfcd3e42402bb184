"""The demo: train a ReLU and a QCFS CNN on scikit-learn's digits, convert them with every
preset that applies, and tabulate accuracy against time steps."""

from __future__ import annotations

import time

import torch
from torch.utils.data import DataLoader

from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.errors import MethodError
from ann2snn.evaluate import evaluate
from ann2snn.methods import list_methods
from ann2snn.models import create_model, with_normalization
from ann2snn.report import format_table
from ann2snn.training import fit

DEMO_STEPS = [1, 2, 4, 8, 16, 32]
#: the demo's departures from the presets' defaults (kept short to run in about a minute)
DEMO_OPTIONS = {"ftbc": {"iterations": 4}}
#: the demo's networks: name -> (activation, options)
DEMO_NETWORKS = {
    "small_cnn-relu": ("relu", {}),
    "small_cnn-qcfs4": ("qcfs", {"levels": 4, "lam": 4.0}),
    "small_cnn-qcfs15": ("qcfs", {"levels": 15, "lam": 4.0}),  # L = 2^4 - 1: errorfree at T = 4
}


def train_demo_network(activation: str, options: dict, *, epochs: int = 30, seed: int = 0):
    """A small CNN trained on the digits train split (deterministic for a given seed)."""
    torch.manual_seed(seed)
    train = load_dataset("digits", split="train")
    loader = DataLoader(train, batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    model = with_normalization(create_model("small_cnn", activation=activation, **options),
                               NORMALIZATIONS["digits"])
    return fit(model, loader, epochs=epochs, lr=0.05)


def evaluate_where_applicable(model, test, steps, method, calib, *, log=print, **kwargs):
    """``evaluate`` at every T where ``method`` applies (errorfree: T = log2(L + 1) only);
    None, with the reason logged, where it applies at none."""
    try:
        return evaluate(model, test, steps, method, calib, skip_inapplicable=True, **kwargs)
    except MethodError as exc:
        log(f"  {method}: skipped ({str(exc).split(';')[0]})")
        return None


def run_demo(*, epochs: int = 30, seed: int = 0, methods: list[str] | None = None,
             log=print) -> list[dict]:
    """Train, convert and evaluate; returns one report per (network, method) that applies."""
    test = DataLoader(load_dataset("digits", split="test"), batch_size=256)
    calib = SeededBatches(load_dataset("digits", split="train"), 128, seed)
    reports = []
    for name, (activation, options) in DEMO_NETWORKS.items():
        started = time.perf_counter()
        model = train_demo_network(activation, options, epochs=epochs, seed=seed)
        log(f"trained {name} in {time.perf_counter() - started:.1f} s")
        for method in methods or list_methods():
            report = evaluate_where_applicable(model, test, DEMO_STEPS, method, calib,
                                               dataset="digits", model_name=name, log=log,
                                               **DEMO_OPTIONS.get(method, {}))
            if report is not None:
                reports.append(report)
    log("")
    log(format_table(reports, DEMO_STEPS))
    log(f"digits test split ({len(test.dataset)} images); accuracy in %; "
        f"options differing from the presets' defaults: {DEMO_OPTIONS}")
    return reports
