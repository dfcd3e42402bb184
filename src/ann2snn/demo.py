"""The demo: train a ReLU and two QCFS CNNs on scikit-learn's digits (one of them also with
the bit-sparsity regulariser), compare every preset that applies on each, and tabulate
accuracy against time steps, then what each costs."""

from __future__ import annotations

import time

import torch
from torch.utils.data import DataLoader

from ann2snn.ann import BitSparsityRegularizer
from ann2snn.compare import compare
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.models import create_model, with_normalization
from ann2snn.report import format_table
from ann2snn.training import fit

DEMO_STEPS = [1, 2, 4, 8, 16, 32]
#: the demo's departures from the presets' defaults (kept short to run in about a minute)
DEMO_OPTIONS = {"ftbc": {"iterations": 4}}
#: bit-sparsity weight of the sparse network (β = 1e-8, the paper's default, is for ImageNet
#: batches and widths; on this small CNN 1e-6 shows the effect within a point of accuracy)
SPARSE_BETA = 1e-6
#: the demo's networks: name -> (activation, options, bit-sparsity β, methods or all)
DEMO_NETWORKS = {
    "small_cnn-relu": ("relu", {}, 0.0, None),
    "small_cnn-qcfs4": ("qcfs", {"levels": 4, "lam": 4.0}, 0.0, None),
    "small_cnn-qcfs15": ("qcfs", {"levels": 15, "lam": 4.0}, 0.0, None),  # errorfree at T = 4
    "small_cnn-qcfs15-sparse": ("qcfs", {"levels": 15, "lam": 4.0}, SPARSE_BETA, ["errorfree"]),
}


def train_demo_network(activation: str, options: dict, *, epochs: int = 30, seed: int = 0,
                       bit_sparsity: float = 0.0):
    """A small CNN trained on the digits train split (deterministic for a given seed)."""
    torch.manual_seed(seed)
    train = load_dataset("digits", split="train")
    loader = DataLoader(train, batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    model = with_normalization(create_model("small_cnn", activation=activation, **options),
                               NORMALIZATIONS["digits"])
    regularizer = BitSparsityRegularizer(model, bit_sparsity) if bit_sparsity else None
    fit(model, loader, epochs=epochs, lr=0.05,
        extra_loss=(lambda *_: regularizer()) if regularizer else None)
    if regularizer is not None:
        regularizer.remove()
    return model


def cost_table(reports: list[dict], steps: int) -> str:
    """Accuracy, spikes per neuron, energy and latency of every report at one T."""
    lines = ["| model | method | T | accuracy % | spikes/neuron | energy µJ | x ANN | latency |",
             "|---|---|---|---|---|---|---|---|"]
    for r in reports:
        row = next((s for s in r["snn"] if s["T"] == steps), None)
        if row is not None:
            lines.append(f"| {r['model']} | {r['method']} | {steps} | {100 * row['accuracy']:.2f} | "
                         f"{row['spikes_per_neuron']:.3f} | {row['energy_uj']:.3g} | "
                         f"{row['energy_ratio']:.3f} | {row['latency_steps']} |")
    return "\n".join(lines)


def run_demo(*, epochs: int = 30, seed: int = 0, methods: list[str] | None = None,
             log=print) -> list[dict]:
    """Train, compare and tabulate; returns one report per (network, method) that applies."""
    test = DataLoader(load_dataset("digits", split="test"), batch_size=256)
    calib = SeededBatches(load_dataset("digits", split="train"), 128, seed)
    reports = []
    for name, (activation, options, beta, only) in DEMO_NETWORKS.items():
        started = time.perf_counter()
        model = train_demo_network(activation, options, epochs=epochs, seed=seed, bit_sparsity=beta)
        log(f"trained {name} in {time.perf_counter() - started:.1f} s")
        wanted = only or methods
        if only and methods is not None:
            wanted = [m for m in only if m in methods]
            if not wanted:
                continue
        result = compare(model, test, DEMO_STEPS, calib, methods=wanted, dataset="digits",
                         model_name=name, method_options=DEMO_OPTIONS)
        for method, reason in result["skipped"].items():
            log(f"  {method}: skipped ({reason.split(';')[0]})")
        reports += result["reports"]
    log("")
    log(format_table(reports, DEMO_STEPS))
    log(f"digits test split ({len(test.dataset)} images); accuracy in %; options differing "
        f"from the presets' defaults: {DEMO_OPTIONS}")
    log("")
    log(cost_table(reports, 4))
    log("per inference at T = 4; energy at 45 nm (4.6 pJ/MAC, 0.9 pJ/AC), memory traffic "
        f"ignored; latency in steps. small_cnn-qcfs15-sparse: trained with bit sparsity "
        f"β = {SPARSE_BETA}")
    return reports
