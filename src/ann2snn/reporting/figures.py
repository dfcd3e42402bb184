"""The figures of ``ann2snn report`` (matplotlib, no display needed)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from ann2snn.reporting.escape import label

PERCENT = 100.0
#: the most T ticks written out, layer names (or raster neurons) labelled, inches wide
MAX_TICKS, MAX_LAYER_TICKS, MAX_WIDTH = 24, 120, 48
LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # a name with characters the font lacks is drawn with boxes, not warned about
    warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
    return plt


def _label(report: dict, models: int) -> str:
    options = ", ".join(f"{k}={v}" for k, v in report.get("options", {}).items())
    name = f"{report['method']} ({options})" if options else report["method"]
    if report.get("source"):  # several files merged: which one
        name += f" [{report['source']}]"
    return label(f"{report['model']}: {name}" if models > 1 else name)


def _colors(plt, count: int):
    cmap = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(count)]


def _spaced(ticks: list) -> list:
    """Ticks of a log axis at least 1.2x apart (16 and 17 would print over each other)."""
    kept: list = []
    for t in ticks:
        if not kept or t >= 1.2 * kept[-1]:
            kept.append(t)
    return kept


def _legend(ax, entries: int) -> None:
    """Inside the axes when short, beside them when long."""
    if entries <= 9:
        ax.legend(fontsize=7, loc="lower right", ncol=2)
    else:
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=1 + entries // 30)


def accuracy_vs_steps(reports: list[dict], path: Path, x: str = "T") -> None:
    """Accuracy against T (``x="T"``) or against latency (``x="latency_steps"``, the steps
    until the prediction is complete): one panel per model, one line per report, the
    model's ANN as a dashed black line."""
    plt = _pyplot()
    models = list(dict.fromkeys(r["model"] for r in reports))
    cols = 1 if len(models) == 1 else 2
    rows = math.ceil(len(models) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.5 * cols, 4.4 * rows), squeeze=False,
                             sharey=True)
    series = list(dict.fromkeys(_label(r, 1) for r in reports))  # one look per preset
    colors = _colors(plt, len(series))
    for ax, model in zip(axes.flat, models):
        mine = [r for r in reports if r["model"] == model]
        for r in mine:
            i = series.index(_label(r, 1))
            ax.plot([row[x] for row in r["snn"]], [PERCENT * row["accuracy"] for row in r["snn"]],
                    marker=MARKERS[i % len(MARKERS)], ms=3, ls=LINE_STYLES[i // 10 % 4],
                    color=colors[i], label=_label(r, 1))
        ann = mine[0]["ann"]["accuracy"]
        ax.axhline(PERCENT * ann, ls="--", color="black", lw=1,
                   label=label(f"ANN {PERCENT * ann:.2f} %"))
        ax.set_xscale("log", base=2)
        ticks = _spaced(sorted({row[x] for r in mine for row in r["snn"]}))
        if len(ticks) <= MAX_TICKS:  # else the log axis's own ticks
            ax.set_xticks(ticks, [str(t) for t in ticks], fontsize=7)
        ax.set_xlabel("time steps T" if x == "T" else
                      "latency: steps until the prediction is complete")
        ax.set_ylabel("top-1 accuracy (%)")
        ax.set_title(label(model))
        ax.grid(alpha=0.3)
        _legend(ax, len(mine) + 1)
    for ax in list(axes.flat)[len(models):]:
        ax.axis("off")
    fig.suptitle("Accuracy against time steps" if x == "T" else "Accuracy against latency")
    fig.tight_layout()
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)


def accuracy_vs_energy(rows: list[dict], front: list[bool], anns: dict, path: Path,
                       starred: list[bool] | None = None) -> None:
    """Accuracy against energy per inference (log axis), the points no other beats on both
    (``front``) joined, and the table's ``*`` rows (``starred``: no other beats them on
    accuracy, energy and latency) ringed."""
    plt = _pyplot()
    series = list(dict.fromkeys((r["model"], r["method"]) for r in rows))
    models = list(dict.fromkeys(r["model"] for r in rows))
    wide = len(series) + len(models) > 10
    fig, ax = plt.subplots(figsize=(11 if wide else 7.5, 4.8))
    for (model, method), color in zip(series, _colors(plt, len(series))):
        mine = [r for r in rows if (r["model"], r["method"]) == (model, method)]
        ax.scatter([r["energy_uj"] for r in mine], [PERCENT * r["accuracy"] for r in mine],
                   s=18, color=color, marker=MARKERS[models.index(model) % len(MARKERS)],
                   label=label(f"{model}: {method}" if len(models) > 1 else method))
    best = sorted((r for r, f in zip(rows, front) if f), key=lambda r: r["energy_uj"])
    if best:
        ax.step([r["energy_uj"] for r in best], [PERCENT * r["accuracy"] for r in best],
                where="post", color="black", lw=1.2, label="Pareto front (accuracy, energy)")
        for r in best:
            ax.annotate(f"T={r['T']}", (r["energy_uj"], PERCENT * r["accuracy"]), fontsize=6,
                        xytext=(3, -8), textcoords="offset points")
    ringed = [r for r, s in zip(rows, starred or []) if s]
    if ringed:
        ax.scatter([r["energy_uj"] for r in ringed], [PERCENT * r["accuracy"] for r in ringed],
                   s=70, facecolors="none", edgecolors="black", lw=0.8,
                   label="* in the table (accuracy, energy and latency)")
    for model, ann in anns.items():
        ax.scatter([ann["energy_uj"]], [PERCENT * ann["accuracy"]], marker="*", s=120,
                   color="black", label=label(f"ANN ({model})"))
    ax.set_xscale("log")
    ax.set_xlabel("energy per inference (µJ, 45 nm: 4.6 pJ/MAC, 0.9 pJ/AC; memory ignored)")
    ax.set_ylabel("top-1 accuracy (%)")
    ax.set_title("Accuracy against energy")
    ax.grid(alpha=0.3, which="both")
    _legend(ax, len(series) + len(anns) + 1)
    fig.tight_layout()
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)


def layer_profile(report: dict, steps: int, path: Path) -> None:
    """Firing rate and ANN-SNN error of every spiking layer at one T."""
    plt = _pyplot()
    layers = report["layers"][str(steps)]
    names = [label(r["layer"]) for r in layers]
    every = max(1, math.ceil(len(names) / MAX_LAYER_TICKS))  # a name per tick, or every k-th
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(min(MAX_WIDTH, max(7.5, 0.35 * len(
        names[::every]))), 5.6), sharex=True)
    x = range(len(names))
    top.bar(x, [r["firing_rate"] for r in layers], color="tab:blue")
    top.set_ylabel("firing rate\n(spikes / neuron / step)")
    bottom.bar(x, [r["ann_snn_error"] for r in layers], color="tab:red")
    bottom.set_ylabel("mean |ANN - SNN|\n(activation units)")
    bottom.set_xticks(list(x)[::every], names[::every], rotation=60, ha="right", fontsize=7)
    bottom.set_xlabel("spiking layer (network order)")
    top.set_title(label(f"{report['model']}, {report['method']}, T = {steps}: per layer"))
    for ax in (top, bottom):
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)


def spike_raster(report: dict, layer: str, path: Path) -> None:
    """Spike times of the recorded neurons of one layer (first test sample)."""
    plt = _pyplot()
    raster = report["raster"]
    record = raster["layers"][layer]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for row, steps in enumerate(record["spike_steps"]):
        ax.scatter(steps, [row] * len(steps), marker="|", s=120, color="black")
    every = max(1, math.ceil(len(record["neurons"]) / MAX_LAYER_TICKS))
    ax.set_yticks(range(len(record["neurons"]))[::every],
                  [str(n) for n in record["neurons"]][::every], fontsize=6)
    ax.set_ylim(-0.5, len(record["neurons"]) - 0.5)
    for row in range(len(record["neurons"]) + 1):
        ax.axhline(row - 0.5, color="grey", lw=0.3, alpha=0.5)
    ax.set_xlim(0.5, raster["T"] + 0.5)
    ax.set_xlabel("time step")
    total = next((rec["neurons"] for recs in report.get("layers", {}).values() for rec in recs
                  if rec["layer"] == layer), None)
    of = f" of {total:,}" if total else ""
    ax.set_ylabel(f"neuron (flat index):\n{len(record['neurons'])} evenly spaced{of}")
    ax.set_title(label(f"{report['model']}, {report['method']}: spikes of layer {layer}, "
                       f"first test image, T = {raster['T']}"))
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
