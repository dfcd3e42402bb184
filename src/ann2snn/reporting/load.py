"""Read report files back: an evaluation report, a list of them (``demo --json``) or a
comparison (``compare --json``). Every field the figures use is checked first: an old or
foreign file gets one line saying what is missing, before anything is written."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ann2snn.errors import Ann2SnnError

ROW_COSTS = ("spikes_per_neuron", "firing_rate", "energy_uj", "latency_steps")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_report(report, where: str) -> dict:
    """An evaluation report with costs, or an error naming what is wrong."""
    if not isinstance(report, dict) or not {"method", "model", "ann", "snn"} <= set(report):
        raise Ann2SnnError(f"{where} is not an ann2snn report (no method, model, ann and snn)")
    if not isinstance(report["method"], str) or not isinstance(report["model"], str):
        raise Ann2SnnError(f"{where}: method and model must be names")
    ann, rows = report["ann"], report["snn"]
    if not isinstance(ann, dict) or not _number(ann.get("accuracy")):
        raise Ann2SnnError(f"{where}: ann.accuracy is missing or not a number")
    if not isinstance(rows, list) or not rows:
        raise Ann2SnnError(f"{where}: snn holds no rows")
    for row in rows:
        if not isinstance(row, dict) or not _number(row.get("T")) or not _number(row.get("accuracy")):
            raise Ann2SnnError(f"{where}: an snn row lacks T or accuracy")
        missing = [k for k in ROW_COSTS if not _number(row.get(k))]
        if missing:
            raise Ann2SnnError(f"{where}: {report['method']} at T = {row['T']} has no "
                               f"{', '.join(missing)}: a report from before costs were "
                               "accounted; evaluate again with this version")
    if not _number(ann.get("energy_uj")):
        raise Ann2SnnError(f"{where}: ann.energy_uj is missing; evaluate again with this version")
    layers = report.get("layers", {})
    if not isinstance(layers, dict) or not all(isinstance(v, list) for v in layers.values()):
        raise Ann2SnnError(f"{where}: layers must map T to lists of layer records")
    return report


def read_reports(paths: list[str | Path]) -> list[dict]:
    """Every evaluation report in ``paths`` (reports, lists of reports, comparisons)."""
    reports = []
    for path in map(Path, paths):
        if not path.is_file():
            raise Ann2SnnError(f"report file {path} does not exist")
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Ann2SnnError(f"{path} is not a JSON report ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0][:120]})") from None
        if isinstance(data, dict) and "reports" in data:
            data = data["reports"]
        items = data if isinstance(data, list) else [data]
        if not items:
            raise Ann2SnnError(f"{path} holds no report")
        reports += [check_report(r, f"{path} (report {i + 1})") for i, r in enumerate(items)]
    return reports
