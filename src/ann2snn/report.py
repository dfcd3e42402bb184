"""The report every evaluating command writes (a contract: fields are added, never renamed).

``{"method", "dataset", "model", "ann": {"accuracy", "macs", "energy_uj"}, "snn": [{"T",
"accuracy", "spikes_per_neuron", "firing_rate", "sops", "routing_acs", "acs", "macs",
"macs_per_step_convention", "energy_uj", "energy_uj_macs_per_step", "energy_ratio",
"latency_steps", "first_output_step"}, ...], "layers": {"T": [per-layer records]}, "raster",
"costs": {conventions}, "seconds": {"ann", "snn", ...}, "versions": {...}}``, accuracies as
fractions in [0, 1], costs per inference (docs/methods.md#costs).
"""

from __future__ import annotations

import platform
from typing import Any

import numpy
import torch


def versions() -> dict[str, str]:
    from ann2snn import __version__

    return {"ann2snn": __version__, "torch": torch.__version__, "numpy": numpy.__version__,
            "python": platform.python_version()}


def make_report(*, method: str, dataset: str, model: str, ann_accuracy: float,
                snn: list[dict[str, Any]], seconds: dict[str, float], **extra: Any) -> dict:
    report = {
        "method": method, "dataset": dataset, "model": model,
        "ann": {"accuracy": float(ann_accuracy)},
        "snn": [{**row, "T": int(row["T"]), "accuracy": float(row["accuracy"])} for row in snn],
        "seconds": {k: round(float(v), 3) for k, v in seconds.items()},
        "versions": versions(),
    }
    report.update(extra)
    return report


def format_table(reports: list[dict], steps: list[int]) -> str:
    """A markdown table: one row per report, ANN accuracy then the SNN at each T (in %)."""
    head = "| model | method | ANN | " + " | ".join(f"T={t}" for t in steps) + " |"
    rule = "|" + "---|" * (3 + len(steps))
    lines = [head, rule]
    for r in reports:
        acc = {row["T"]: row["accuracy"] for row in r["snn"]}
        cells = [f"{100 * acc[t]:.2f}" if t in acc else "-" for t in steps]
        options = ", ".join(f"{k}={v}" for k, v in r.get("options", {}).items())
        method = f"{r['method']} ({options})" if options else r["method"]
        lines.append(f"| {r['model']} | {method} | {100 * r['ann']['accuracy']:.2f} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)
