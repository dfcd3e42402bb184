"""Reports as a hostile or careless user hands them to ``ann2snn report``: a valid report of
the schema :mod:`ann2snn.report` checks, and hypothesis strategies that build such reports
and then break one field of them."""

from __future__ import annotations

import copy

from hypothesis import strategies as st


def valid_report(method: str = "opi", model: str = "net", steps=(1, 2, 4),
                 layers=("act1", "act2")) -> dict:
    """A report as ``evaluate`` writes it, with costs, per-layer records and a raster."""
    rows = [{"T": t, "accuracy": min(1.0, 0.2 * i + 0.3), "spikes_per_neuron": 0.1 * t,
             "firing_rate": 0.1, "sops": 1000.0 * t, "routing_acs": 3.0, "acs": 1003.0 * t,
             "macs": 400.0, "macs_per_step_convention": 400.0 * t, "energy_uj": 0.002 * t,
             "energy_uj_macs_per_step": 0.003 * t, "energy_ratio": 0.01 * t, "latency_steps": t,
             "first_output_step": 1} for i, t in enumerate(steps)]
    records = {str(t): [{"layer": name, "kind": "IF", "neurons": 64, "spikes_per_neuron": 0.1,
                         "firing_rate": 0.1 / t, "sops": 10.0, "routing_acs": 0.0,
                         "ann_snn_error": 0.05} for name in layers] for t in steps}
    top = max(steps)
    raster = {"T": top, "sample": 0, "layers": {name: {"neurons": [0, 5, 9], "spike_steps": [
        [1, top], [], [top]]} for name in layers}}
    return {"method": method, "dataset": "digits", "model": model,
            "ann": {"accuracy": 0.9, "macs": 1e5, "energy_uj": 0.46}, "snn": rows,
            "options": {}, "layers": records, "raster": raster,
            "costs": {"note": "per inference"}, "seconds": {"snn": 1.0}}


#: names a user (or an attacker) may put where a method, model or layer name goes
NAMES = st.one_of(
    st.sampled_from(["opi", "robust", "=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "-2",
                     "a\n| forged | row |", "<script>alert(1)</script>", "<img onerror=x>",
                     "$\\frac{$", "$x$", "a|b", "`code`", "[link](javascript:x)", "x" * 300]),
    st.text(min_size=1, max_size=30),
)
#: values that do not belong where a number, a name or a record goes
HOSTILE_VALUES = st.one_of(
    st.sampled_from([float("nan"), float("inf"), -float("inf"), -1, 0, 2.5, 1.5, 10**300,
                     -(10**30), True, None, "", "x", "1", [], {}, [1, 2], {"a": 1}]),
    st.integers(), st.floats(), st.text(max_size=5),
)


def _paths(report: dict) -> list[tuple]:
    """Every (container, key) of ``report``, for a mutation to pick one."""
    out = []

    def walk(node):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            out.append((node, key))
            if isinstance(value, (dict, list)):
                walk(value)
    walk(report)
    return out


@st.composite
def reports(draw) -> dict:
    """A valid report with hostile names, then (usually) one field broken or removed."""
    steps = sorted(draw(st.sets(st.integers(1, 64), min_size=1, max_size=4)))
    layer_names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    report = valid_report(draw(NAMES), draw(NAMES), steps, layer_names)
    report["options"] = draw(st.dictionaries(st.sampled_from(["per_channel", "=x", "base"]),
                                             st.one_of(st.booleans(), NAMES), max_size=2))
    if draw(st.booleans()):
        report = copy.deepcopy(report)
        container, key = draw(st.sampled_from(_paths(report)))
        if draw(st.booleans()):
            container[key] = draw(HOSTILE_VALUES)
        elif isinstance(container, dict):
            del container[key]
        else:
            container.pop(key)
    return report
