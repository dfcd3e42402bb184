"""Which method for my network, at my latency or energy budget? Every preset that applies,
evaluated over the same ``T`` on the same batches, in one table with the Pareto-optimal rows
marked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from torch import nn

from ann2snn.batches import replayed
from ann2snn.errors import Ann2SnnError, MethodError, OptionError
from ann2snn.evaluate import check_timestep_list, evaluate
from ann2snn.methods import get_method, list_methods
from ann2snn.report import versions
from ann2snn.reporting.recommend import at_chance, recommend
from ann2snn.reporting.table import pareto, rows_of

FORMAT = "ann2snn.compare/1"


def compare(model: nn.Module, data: Iterable, timesteps: Sequence[int], calib: Iterable | None,
            *, methods: Sequence[str] | None = None, log: Callable[[str], None] = lambda m: None,
            dataset: str = "custom", model_name: str | None = None,
            method_options: dict[str, dict] | None = None, **shared) -> dict:
    """Evaluate every method in ``methods`` (default: every registered preset) at every T.

    The calibration batches are taken once for all (:class:`~ann2snn.batches.ReplayBatches`)
    and the ANN's predictions are computed once per test batch; ``shared`` keyword arguments
    (``calib_batches``, ``device``, ``progress``, method options, ...) go to every
    :func:`~ann2snn.evaluate.evaluate`; ``method_options[name]`` go to that method only. A
    method that does not apply to the network (or to
    the options given) is listed under ``skipped`` with the reason.
    """
    steps = check_timestep_list(timesteps)
    methods = check_method_list(methods)
    method_options = check_method_options(method_options)
    calib = replayed(calib)
    ann_cache: dict = {}
    reports, skipped = [], {}
    started = time.perf_counter()
    for method in methods:  # evaluate decides applicability before it announces any work
        begun = time.perf_counter()
        try:
            report = evaluate(model, data, steps, method, calib, skip_inapplicable=True,
                              dataset=dataset, model_name=model_name, ann_cache=ann_cache,
                              **shared, **method_options.get(method, {}))
        except OptionError:
            raise
        except MethodError as exc:
            skipped[method] = str(exc)
            log(f"{method}: does not apply ({str(exc).split(';')[0]})")
            continue
        reports.append(report)
        log(f"{method}: evaluated at T = {', '.join(map(str, steps))} in "
            f"{time.perf_counter() - begun:.1f} s")
    if not reports:
        raise MethodError(f"no method applies to this network: {skipped}")
    rows = rows_of(reports)
    classes = ann_cache.get("classes")
    live = [i for i, r in enumerate(rows) if not at_chance(r, classes)]
    marks = dict(zip(live, pareto([rows[i] for i in live])))  # chance rows are never optimal
    return {"format": FORMAT, "dataset": dataset, "model": model_name or type(model).__name__,
            "timesteps": steps, "reports": reports, "skipped": skipped, "classes": classes,
            "pareto": [[r["method"], r["T"]] for i, r in enumerate(rows) if marks.get(i)],
            "recommendation": recommend(rows, steps, classes),
            "seconds": round(time.perf_counter() - started, 3), "versions": versions()}


def check_method_list(methods) -> list[str]:
    """Registered method names: None for all, a name for one, else a non-empty list."""
    if methods is None:
        return list_methods()
    names = [methods] if isinstance(methods, str) else methods
    if not isinstance(names, (list, tuple)) or not names:
        raise Ann2SnnError(f"methods must be a method name or a non-empty list of them (None: "
                           f"every one), got {methods!r}")
    unknown = [n for n in names if not isinstance(n, str) or n not in list_methods()]
    if unknown:
        raise Ann2SnnError(f"methods: unknown {', '.join(map(repr, unknown))}; registered: "
                           f"{', '.join(list_methods())}")
    if len(set(names)) != len(names):
        raise Ann2SnnError(f"methods: a name is given twice in {list(names)}")
    return list(names)


def check_method_options(options) -> dict[str, dict]:
    """``{method: {option: value}}`` for registered methods, each option checked by the
    method's recipe before any work (a typo is an error, not "does not apply")."""
    if options is None:
        return {}
    if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
        raise Ann2SnnError(f"method_options must map method names to option dicts, e.g. "
                           f"{{'opi': {{'per_channel': True}}}}, got {options!r:.80}")
    for name, given in options.items():
        if name not in list_methods():  # a registered method not compared: checked, unused
            raise Ann2SnnError(f"method_options names {name!r}, which is not a registered "
                               f"method ({', '.join(list_methods())})")
        get_method(name, **given)
    return options
