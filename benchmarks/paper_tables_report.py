"""The table and figure of ``benchmarks/paper_tables.py``'s JSON, beside the published row."""

from __future__ import annotations

#: QCFS paper, Table 1 (Bu et al., ICLR 2022): ResNet-20, CIFAR-10, L = 4, 300 epochs from
#: scratch on the lossless images; accuracy in %
PUBLISHED_QCFS = {"ann": 91.77, "snn": {2: 73.20, 4: 83.75, 8: 89.55, 16: 91.62, 32: 92.24}}
STREAMING = ("qcfs", "opi", "snnc-light", "snnc-advanced", "ftbc")


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.2f}"


def _by_t(report: dict) -> dict[int, dict]:
    return {row["T"]: row for row in report["snn"]}


def network_table(result: dict) -> list[str]:
    lines = ["| network | L | epochs | seconds | ANN, 10,000 JPEG test | ANN, 932 lossless test |",
             "|---|---|---|---|---|---|"]
    for name, net in result["networks"].items():
        ann = net.get("ann", {})
        lines.append(f"| {name} | {net['levels'] or '-'} | {net['epochs']} | {net['seconds']:.0f} "
                     f"| {_pct(ann.get('jpeg_test'))} | {_pct(ann.get('lossless_test'))} |")
    return lines


def accuracy_table(result: dict) -> list[str]:
    steps = result["steps"]
    head = "| network | preset | ANN | " + " | ".join(f"T={t}" for t in steps) + " |"
    lines = [head, "|" + "---|" * (3 + len(steps))]
    pub = PUBLISHED_QCFS
    lines.append("| published QCFS (L = 4, lossless, from scratch) | qcfs | "
                 f"{pub['ann']:.2f} | " + " | ".join(
                     f"{pub['snn'][t]:.2f}" if t in pub["snn"] else "-" for t in steps) + " |")
    for r in result["reports"]:
        rows = _by_t(r)
        lines.append(f"| {r['network']} | {r['method']} | {_pct(r['ann']['accuracy'])} | "
                     + " | ".join(_pct(rows[t]["accuracy"]) if t in rows else "-"
                                  for t in steps) + " |")
    return lines


def cost_table(result: dict, steps=(4, 8)) -> list[str]:
    head = "| network | preset | " + " | ".join(
        f"spikes/neuron T={t} | energy/ANN T={t}" for t in steps) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(steps))]
    for r in result["reports"]:
        rows = _by_t(r)
        cells = []
        for t in steps:
            row = rows.get(t)
            cells += ["-", "-"] if row is None else [f"{row['spikes_per_neuron']:.3f}",
                                                     f"{row['energy_ratio']:.3f}"]
        lines.append(f"| {r['network']} | {r['method']} | " + " | ".join(cells) + " |")
    return lines


def targets(result: dict) -> list[str]:
    """The issue's targets, each with the measured figure and its margin (points)."""
    nets = result["networks"]
    ann = {n: v["ann"]["jpeg_test"] * 100 for n, v in nets.items() if "ann" in v}
    at = {(r["network"], r["method"], row["T"]): 100 * row["accuracy"]
          for r in result["reports"] for row in r["snn"]}
    sweep_ann = {r["network"]: 100 * r["ann"]["accuracy"] for r in result["reports"]}
    out = []
    if "relu" in ann and "qcfs-L4" in ann:
        out.append(f"- ANN qcfs-L4 {ann['qcfs-L4']:.2f} vs ReLU reference {ann['relu']:.2f} − 1.5:"
                   f" margin {ann['qcfs-L4'] - ann['relu'] + 1.5:+.2f}")
    if "relu" in ann and "qcfs-L15" in ann:
        out.append(f"- ANN qcfs-L15 {ann['qcfs-L15']:.2f} vs ReLU reference − 0.5: margin "
                   f"{ann['qcfs-L15'] - ann['relu'] + 0.5:+.2f}")
    base = sweep_ann.get("qcfs-L4")
    for t, gap in ((4, 3), (8, 1)):
        best = max(((at[k], k[1]) for k in at if k[0] == "qcfs-L4" and k[2] == t
                    and k[1] in STREAMING), default=None)
        if best and base is not None:
            out.append(f"- best streaming preset at T = {t}: {best[1]} {best[0]:.2f} vs ANN "
                       f"{base:.2f} − {gap}: margin {best[0] - base + gap:+.2f}")
    for method, t, gap, net in (("qcfs", 4, 8, "qcfs-L4"), ("tpp", 4, 0, "qcfs-L4"),
                                ("errorfree", 4, 0, "qcfs-L15")):
        if (net, method, t) in at and net in sweep_ann:
            out.append(f"- {method} at T = {t} on {net}: {at[(net, method, t)]:.2f} vs ANN "
                       f"{sweep_ann[net]:.2f} − {gap}: margin "
                       f"{at[(net, method, t)] - sweep_ann[net] + gap:+.2f}")
    return out


def markdown(result: dict) -> str:
    parts = ["## Networks", "", *network_table(result), "",
             f"## Accuracy (%) on {result.get('sweep_images', '?')} evenly spaced JPEG test "
             "images", "", *accuracy_table(result), "",
             "## Spikes and energy", "", *cost_table(result), "",
             "## Targets", "", *targets(result), ""]
    return "\n".join(parts)


def plot(result: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted((n for n in result["networks"] if any(r["network"] == n for r in
                                                          result["reports"])),
                   key=lambda n: result["networks"][n].get("levels") or 0)  # relu, L4, L8, L15
    methods = list(dict.fromkeys(r["method"] for r in result["reports"]))  # one colour each
    if not names:
        return
    cols = min(2, len(names))
    fig, axes = plt.subplots((len(names) + 1) // 2, cols, figsize=(6 * cols + 1, 4.3 * (
        (len(names) + 1) // 2)), sharey=True, squeeze=False)
    colours, markers = plt.cm.tab20.colors, "osD^v<>pXh*"
    steps = result["steps"]
    for ax, name in zip(axes.flat, names):
        reports = [r for r in result["reports"] if r["network"] == name]
        for r in reports:
            rows, i = _by_t(r), methods.index(r["method"])
            ts = [t for t in steps if t in rows]
            ax.plot(ts, [100 * rows[t]["accuracy"] for t in ts], marker=markers[i % len(markers)],
                    color=colours[(2 * i + i // 10) % 20], label=r["method"],
                    markersize=11 if len(ts) == 1 else 6, zorder=3 if len(ts) == 1 else 2)
        if reports:
            ann = 100 * reports[0]["ann"]["accuracy"]
            ax.axhline(ann, color="k", linestyle="--", linewidth=1, label=f"ANN ({ann:.1f})")
        if name == "qcfs-L4":
            pub = PUBLISHED_QCFS
            ax.plot(list(pub["snn"]), list(pub["snn"].values()), "kx:", markersize=9,
                    label="published QCFS SNN")
            ax.axhline(pub["ann"], color="grey", linestyle=":", linewidth=1,
                       label=f"published ANN ({pub['ann']})")
        ax.set_xscale("log", base=2)
        ax.set_xticks(steps, [str(t) for t in steps])
        ax.set_title(f"ResNet-20 {name}")
        ax.set_xlabel("time steps T")
        ax.set_ylabel("top-1 accuracy (%)")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right", ncol=2)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"SNN accuracy against T, {result.get('sweep_images', '?')} JPEG CIFAR-10 test "
                 "images\n(published points: lossless CIFAR-10, trained from scratch)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
