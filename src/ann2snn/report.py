"""The report every evaluating command writes (a contract: fields are added, never renamed).

``{"method", "dataset", "model", "ann": {"accuracy", "macs", "energy_uj"}, "snn": [{"T",
"accuracy", "spikes_per_neuron", "firing_rate", "sops", "routing_acs", "acs", "macs",
"macs_per_step_convention", "energy_uj", "energy_uj_macs_per_step", "energy_ratio",
"latency_steps", "first_output_step"}, ...], "layers": {"T": [per-layer records]}, "raster",
"costs": {conventions}, "seconds": {"ann", "snn", ...}, "versions": {...}}``, accuracies as
fractions in [0, 1], costs per inference (docs/methods.md#costs).
"""

from __future__ import annotations

import math
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


# -- the schema: what a report must hold to be read back (``ann2snn report``) -------------
#: bounds on what one report file may ask the figures to draw
MAX_T, MAX_ROWS, MAX_LAYERS, MAX_NAME, MAX_RASTER_SPIKES = 10**6, 1000, 10_000, 200, 10**6
#: the row costs every drawn report has, each a finite number >= 0
ROW_COSTS = ("spikes_per_neuron", "firing_rate", "energy_uj")
#: the other numeric row fields, checked when present (energy_ratio may be null)
ROW_OPTIONAL = ("sops", "routing_acs", "acs", "macs", "macs_per_step_convention",
                "energy_uj_macs_per_step", "energy_ratio")
LAYER_NUMBERS = ("spikes_per_neuron", "firing_rate", "sops", "ann_snn_error")


class ReportError(ValueError):
    """What is wrong with a report, said where it is (the reader adds the file)."""


def _fail(where: str, what: str):
    raise ReportError(f"{where}: {what}")


def _number(value, where: str, low: float | None = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(where, f"expected a finite number, got {_shown(value)}")
    if low is not None and value < low or high is not None and value > high:
        _fail(where, f"expected a number in [{low}, {high if high is not None else 'inf'}], "
                     f"got {value!r}")
    return value


def _cost(value, where: str) -> float:
    if value is None:
        _fail(where, "missing: a report from before costs were accounted; evaluate again with "
                     "this version")
    return _number(value, where)


def _integer(value, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(where, f"expected an integer from {low} to {high}, got {_shown(value)}")
    return value


def _name(value, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_NAME:
        _fail(where, f"expected a name of 1 to {MAX_NAME} characters, got {_shown(value)}")
    return value


def _kind(value, kind: type, where: str, size: int | None = None):
    if not isinstance(value, kind):
        _fail(where, f"expected a {kind.__name__}, got {type(value).__name__}")
    if size is not None and len(value) > size:
        _fail(where, f"holds {len(value)} entries, more than the {size} a report may")
    return value


_PLAIN = (str, int, float, bool, type(None))


def _shown(value) -> str:
    text = repr(value) if isinstance(value, _PLAIN) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def check_report(report) -> dict:
    """``report`` if it is one :func:`make_report` (with costs) could write, else
    :class:`ReportError` naming the first field that is wrong."""
    _kind(report, dict, "the report")
    for key in ("method", "model"):
        _name(report.get(key), key)
    ann = _kind(report.get("ann"), dict, "ann")
    _number(ann.get("accuracy"), "ann.accuracy", 0.0, 1.0)
    _cost(ann.get("energy_uj"), "ann.energy_uj")
    rows = _kind(report.get("snn"), list, "snn", MAX_ROWS)
    if not rows:
        _fail("snn", "holds no rows")
    steps = [_check_row(row, f"snn[{i}]") for i, row in enumerate(rows)]
    if len(set(steps)) != len(steps):
        _fail("snn", "the same T appears twice")
    options = _kind(report.get("options", {}), dict, "options", MAX_NAME)
    for key, value in options.items():
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, _PLAIN) for v in items) or len(str(value)) > MAX_NAME:
            _fail(f"options.{_shown(key)}", "expected a plain value or a list of them")
    _kind(report.get("costs", {}), dict, "costs")
    _kind(report.get("costs", {}).get("note", ""), str, "costs.note")
    _check_layers(report.get("layers", {}), set(steps))
    if "raster" in report:
        _check_raster(report["raster"])
    return report


def _check_row(row, where: str) -> int:
    _kind(row, dict, where)
    steps = _integer(row.get("T"), f"{where}.T", 1, MAX_T)
    _number(row.get("accuracy"), f"{where}.accuracy", 0.0, 1.0)
    for key in ROW_COSTS:
        _cost(row.get(key), f"{where}.{key}")
    _integer(row.get("latency_steps"), f"{where}.latency_steps", 1, MAX_T * MAX_LAYERS)
    for key in ROW_OPTIONAL:
        if row.get(key) is not None:
            _number(row[key], f"{where}.{key}")
    return steps


def _check_layers(layers, steps: set[int]) -> None:
    _kind(layers, dict, "layers", MAX_ROWS)
    for key, records in layers.items():
        if not (isinstance(key, str) and key.isdigit() and int(key) in steps):
            _fail("layers", f"key {_shown(key)} is not the T of an snn row")
        _kind(records, list, f"layers[{key}]", MAX_LAYERS)
        for i, rec in enumerate(records):
            where = f"layers[{key}][{i}]"
            _kind(rec, dict, where)
            _name(rec.get("layer"), f"{where}.layer")
            _name(rec.get("kind"), f"{where}.kind")
            if rec.get("spike_values") is not None:  # written since the graded spikes
                _name(rec["spike_values"], f"{where}.spike_values")
            _integer(rec.get("neurons"), f"{where}.neurons", 1, 2**53)
            for field in LAYER_NUMBERS:
                _number(rec.get(field), f"{where}.{field}")


def _check_raster(raster) -> None:
    _kind(raster, dict, "raster")
    steps = _integer(raster.get("T"), "raster.T", 1, MAX_T)
    layers = _kind(raster.get("layers"), dict, "raster.layers", MAX_LAYERS)
    spikes = 0
    for name, record in layers.items():
        where = f"raster.layers[{_shown(name)}]"
        _name(name, where)
        _kind(record, dict, where)
        neurons = _kind(record.get("neurons"), list, f"{where}.neurons", MAX_ROWS)
        trains = _kind(record.get("spike_steps"), list, f"{where}.spike_steps", MAX_ROWS)
        if len(trains) != len(neurons):
            _fail(where, "neurons and spike_steps differ in length")
        for n in neurons:
            _integer(n, f"{where}.neurons", 0, 2**53)
        for train in trains:
            for t in _kind(train, list, f"{where}.spike_steps", steps):
                _integer(t, f"{where}.spike_steps", 1, steps)
            spikes += len(train)
    if spikes > MAX_RASTER_SPIKES:
        _fail("raster", f"{spikes} spikes, more than the {MAX_RASTER_SPIKES} a raster may hold")
