"""``ann2snn report``: a markdown summary, CSV tables and PNG figures from report files.
Everything is checked before anything is written, and written into a temporary folder that
is moved into place: a failure leaves no partial output."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

from ann2snn.errors import Ann2SnnError
from ann2snn.outputs import check_output_dir
from ann2snn.reporting import figures
from ann2snn.reporting.escape import csv_cell
from ann2snn.reporting.escape import markdown as md
from ann2snn.reporting.load import read_reports
from ann2snn.reporting.table import format_compare_table, pareto, report_label, rows_of

ENERGY_FRONT = (("accuracy", 1), ("energy_uj", -1))
FILES = ("summary.md", "rows.csv", "layers.csv", "accuracy_vs_T.png", "accuracy_vs_latency.png",
         "accuracy_vs_energy.png", "layers.png", "raster.png")


def _focus(reports: list[dict], method: str | None, steps: int | None, layer: str | None):
    """The report, T and layer the per-layer figures show (checked)."""
    if method is not None:
        chosen = [r for r in reports if r["method"] == method]
        if not chosen:
            raise Ann2SnnError(f"--method {method}: not among {sorted({r['method'] for r in reports})}")
        report = chosen[0]
    else:  # the most accurate at its largest T
        report = max(reports, key=lambda r: r["snn"][-1]["accuracy"])
    available = sorted(int(t) for t in report.get("layers", {}))
    if not available or not report.get("raster", {}).get("layers"):
        raise Ann2SnnError(f"report of {report['method']} has no per-layer records or raster; "
                           "evaluate again with this version (costs on)")
    steps = available[-1] if steps is None else steps
    if steps not in available:
        raise Ann2SnnError(f"--timesteps {steps}: {report['method']} has layers for T = {available}")
    names = list(report["raster"]["layers"])
    layer = names[0] if layer is None else layer
    if layer not in names:
        raise Ann2SnnError(f"--layer {layer}: recorded layers are {', '.join(names)}")
    return report, steps, layer


def _csv(path: Path, rows: list[dict]) -> None:
    """``rows`` as CSV, formula-like strings neutralised; the header of the widest row."""
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[csv_cell(k) for k in fields])
        writer.writeheader()
        writer.writerows({csv_cell(k): csv_cell(v) for k, v in row.items()} for row in rows)


def _markdown(reports, report, steps, layer, front) -> str:
    layers = report["layers"][str(steps)]
    lines = ["# Conversion report", "",
             format_compare_table({"reports": reports}, front), "",
             "![accuracy against T](accuracy_vs_T.png)", "",
             "![accuracy against latency](accuracy_vs_latency.png)", "",
             "![accuracy against energy](accuracy_vs_energy.png)", "",
             f"## Per layer: {md(report['model'])}, {md(report_label(report))}, T = {steps}", "",
             "| layer | kind | neurons | spikes/neuron | firing rate | sops | mean abs ANN-SNN |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {md(r['layer'])} | {md(r['kind'])} | {r['neurons']} | {r['spikes_per_neuron']:.3f} | "
              f"{r['firing_rate']:.4f} | {r['sops']:.4g} | {r['ann_snn_error']:.4g} |" for r in layers]
    lines += ["", "![per-layer firing rate and error](layers.png)", "",
              f"![spike raster of {md(layer)}](raster.png)", "",
              f"Pareto-optimal rows: {sum(front)} of {len(front)}.", "",
              f"Conventions: {md(reports[0].get('costs', {}).get('note', ''))}"]
    return "\n".join(lines) + "\n"


def write_report(paths: list[str | Path], out: str | Path, *, method: str | None = None,
                 steps: int | None = None, layer: str | None = None) -> list[Path]:
    """Write the summary, tables and figures of ``paths`` into the folder ``out``."""
    reports = read_reports(paths)
    report, steps, layer = _focus(reports, method, steps, layer)
    out = check_output_dir(out, "--out")
    rows = rows_of(reports)
    front = pareto(rows)
    anns = {r["model"]: r["ann"] for r in reports}
    tmp = out.parent / f".{out.name}.{os.getpid()}.tmp"
    created = next((p for p in reversed(out.parents) if not p.exists()), None)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        (tmp / "summary.md").write_text(_markdown(reports, report, steps, layer, front))
        _csv(tmp / "rows.csv", [{**r, "pareto": f} for r, f in zip(rows, front)])
        _csv(tmp / "layers.csv", [{"method": report_label(r), "T": t, **rec} for r in reports
                                  for t, recs in r.get("layers", {}).items() for rec in recs])
        figures.accuracy_vs_steps(reports, tmp / "accuracy_vs_T.png")
        figures.accuracy_vs_steps(reports, tmp / "accuracy_vs_latency.png", "latency_steps")
        figures.accuracy_vs_energy(rows, pareto(rows, ENERGY_FRONT), anns,
                                   tmp / "accuracy_vs_energy.png", front)
        figures.layer_profile(report, steps, tmp / "layers.png")
        figures.spike_raster(report, layer, tmp / "raster.png")
        out.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            os.replace(tmp / name, out / name)
    except BaseException as exc:
        if created is not None:  # folders made for the output, holding nothing else
            shutil.rmtree(created, ignore_errors=True)
        if isinstance(exc, OSError):
            raise Ann2SnnError(f"cannot write the report into {out}: {exc.strerror or exc}; "
                               "nothing was written") from None
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / name for name in FILES]
