"""Simulation and calibration speed against references measured in the same run (JSON).

For the shared ResNet-20 on the 932 test images (and a VGG-16 with random weights on one
batch), batch 128, at each T:
- ``ann_s``: one ANN pass; ``if_s``: ann2snn's IF network (99.9th-percentile channel-wise θ,
  v0 = θ/2: ``opi per_channel=True``), ``if_vs_T_ann`` = if_s / (T · ann_s);
  ``folded_vs_unfolded``: the same network with θ folded into the next layers (the default)
  against ``fold_thresholds = False``;
- ``sj_single_s``/``sj_multi_s``: SpikingJelly 2.0's conversion of the same network with the
  same thresholds (benchmarks/sj_reference.py), ``sj_best_vs_ours`` = its faster mode / ours;
  accuracies (and agreement of the predictions) of both;
- ``tpp`` (g = floor), ``errorfree``: two-phase networks (QCFS, random weights) / one ANN
  pass, and their gap to the full spike-train reference in float64;
- ``graded_and_differential``: ``mt``, ``dc``, ``dcgs`` on ResNet-20, seconds / (T · ANN);
- calibration: seconds of each calibrated preset (``thresholds_s``: the rest of its conversion,
  MSE or percentile thresholds included) and ``ann_passes_per_step`` = seconds /
  (T · one ANN pass over its calibration data); FTBC against the whole-network reference
  (benchmarks/ftbc_reference.py): seconds, ratio and equal biases;
- peak memory (RSS) of a chunked run at T = 64 against T = 1, each in a fresh process.

Freed memory is kept for reuse, as the command line does (docs/methods.md#allocator; every
system in the run gets it; ``ANN2SNN_MALLOC=system`` measures without, and the JSON says
which). Systems are interleaved, best of ``--repeats``. Run alone (two torch processes on 2 cores
thrash each other), from the project root:

    .venv/bin/python benchmarks/speed.py > docs/results-speed.json

``--only PART`` (repeatable: simulation, two-phase, graded, calibration, memory) measures
those parts alone.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

import ann2snn
from ann2snn.conversion.converter import prepare_ann
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.models import create_model, load_weights
from ann2snn.snn.network import decode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ftbc_reference import ftbc_reference  # noqa: E402
from sj_reference import convert_sj, module_only, run_sj  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"


def seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def race(systems: dict, repeats: int) -> dict[str, float]:
    """Best-of-``repeats`` seconds of each system, interleaved."""
    best = dict.fromkeys(systems, float("inf"))
    for _ in range(repeats):
        for name, fn in systems.items():
            best[name] = min(best[name], seconds(fn))
    return best


def normalized(x: torch.Tensor) -> torch.Tensor:
    """The shared ResNet-20's input normalisation, applied before either converter sees x."""
    mean, std = (torch.tensor(v).view(1, -1, 1, 1) for v in NORMALIZATIONS["imagenet"])
    return (x - mean) / std


def test_batches(limit: int | None):
    test = load_dataset("cifar10", SHARED / "data" / "cifar-10-subset", "test")
    xs = normalized(torch.stack([test[i][0] for i in range(len(test))]))
    ys = torch.tensor([test[i][1] for i in range(len(test))])
    if limit:
        xs, ys = xs[:limit], ys[:limit]
    return list(zip(xs.split(128), ys.split(128)))


def train_batches(count: int):
    train = load_dataset("cifar10", SHARED / "data" / "cifar-10-subset", "train")
    return [(normalized(x), y) for (x, y), _ in zip(SeededBatches(train, 128), range(count))]


@torch.no_grad()
def simulation(model, batches, calib, steps, repeats) -> list[dict]:
    snn = ann2snn.convert(model, "opi", calib=[x for x, _ in calib], per_channel=True)
    unfolded = copy.deepcopy(snn)
    unfolded.fold_thresholds = False  # θ·s into the consumers, as before folding
    thetas = [n.threshold for _, n in snn.neurons()]
    sj = convert_sj(model, [x for x, _ in calib], thetas)
    x0 = batches[0][0]
    ann_gap = (module_only(model)(x0) - model(x0)).abs().max().item()
    rows = []
    for t in steps:
        def over(fn):
            return lambda: [fn(x) for x, _ in batches]
        best = race({"ann": over(model),
                     "ours": over(lambda x, t=t: snn(x, t)),
                     "unfolded": over(lambda x, t=t: unfolded(x, t)),
                     "sj_single": over(lambda x, t=t: run_sj(sj, x, t, "s")),
                     "sj_multi": over(lambda x, t=t: run_sj(sj, x, t, "m"))}, repeats)
        ours = torch.cat([decode(snn(x, t))[-1].argmax(1) for x, _ in batches])
        theirs = torch.cat([run_sj(sj, x, t, "s").argmax(1) for x, _ in batches])
        labels = torch.cat([y for _, y in batches])
        rows.append({
            "T": t, "ann_s": round(best["ann"], 4), "if_s": round(best["ours"], 3),
            "if_vs_T_ann": round(best["ours"] / (t * best["ann"]), 3),
            "folded_vs_unfolded": round(best["ours"] / best["unfolded"], 3),
            "sj_single_s": round(best["sj_single"], 3), "sj_multi_s": round(best["sj_multi"], 3),
            "sj_best_vs_ours": round(min(best["sj_single"], best["sj_multi"]) / best["ours"], 2),
            "accuracy_ours": round(float((ours == labels).float().mean()), 4),
            "accuracy_sj": round(float((theirs == labels).float().mean()), 4),
            "predictions_agree": round(float((ours == theirs).float().mean()), 4),
            "sj_rewrite_max_output_gap": ann_gap,
        })
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


@torch.no_grad()
def two_phase(name: str, x, steps, repeats) -> list[dict]:
    """tpp and errorfree on a QCFS ResNet-20 (random weights): seconds / one ANN pass."""
    rows = []
    for t in steps:
        levels = 2**t - 1 if name == "errorfree" else t
        model = create_model("resnet20", activation="qcfs", levels=levels, lam=2.0).eval()
        options = {"tpp_g": "floor"} if name == "tpp" else {}
        snn = ann2snn.convert(model, name, timesteps=t, **options)
        best = race({"ann": lambda m=model: m(x), "snn": lambda s=snn, t=t: s(x, t)}, repeats)
        rows.append({"T": t, "ann_s": round(best["ann"], 4), "snn_s": round(best["snn"], 4),
                     "snn_vs_ann": round(best["snn"] / best["ann"], 3),
                     "float64_gap_to_spike_train_reference": _reference_gap(model, snn, x, t)})
    return rows


@torch.no_grad()
def coded(model, x, calib, steps, repeats) -> dict:
    """mt, dc and dcgs (thresholds for each T) on ResNet-20: seconds / (T · one ANN pass)."""
    out = {}
    for name in ("mt", "dc", "dcgs"):
        rows = []
        for t in steps:
            options = {} if name == "dc" else {"t_max": t}
            snn = ann2snn.convert(model, name, calib=[c for c, _ in calib], **options)
            best = race({"ann": lambda: model(x), "snn": lambda s=snn, t=t: s(x, t)}, repeats)
            rows.append({"T": t, "ann_s": round(best["ann"], 4), "snn_s": round(best["snn"], 3),
                         "snn_vs_T_ann": round(best["snn"] / (t * best["ann"]), 3)})
        out[name] = rows
    return out


def _reference_gap(model, snn, x, steps) -> float:
    """Largest output difference between the closed-form count-coded path and full spike
    trains, in float64 (in float32 the two sum in different orders, and a floor can flip)."""
    snn = copy.deepcopy(snn).double()
    x = x[:32].double()
    snn.seed(0)
    fast = snn(x, steps).mean(0)
    for _, n in snn.neurons():
        n.count_coded = False
    snn.seed(0)
    return float((fast - snn(x, steps).mean(0)).abs().max())


def calibration(model, calib, steps: int) -> dict:
    """Seconds and ANN-pass ratio of every calibrated preset at ``T = steps``, with their
    default batch counts (SNNC 5; FTBC 5, and 4 more held out to choose its iteration, whose
    evaluations count in its seconds but not in its ANN pass)."""
    out = {}
    for method, options in (("snnc-light", {}), ("snnc-advanced", {}),
                            ("ftbc", {"base": "opi", "per_channel": True})):
        started = time.perf_counter()
        snn = ann2snn.convert(model, method, calib=calib, timesteps=steps, **options)
        record = {k: v for k, v in next(iter(snn.info.calibration.values())).items()
                  if k in ("seconds", "ann_pass_seconds", "ann_passes_per_step", "batches",
                           "iterations", "holdout_batches", "snn_passes")}
        total = time.perf_counter() - started
        out[method] = {"convert_s": round(total, 2), "thresholds_s": round(total - record["seconds"], 2),
                       **record}
    return out


@torch.no_grad()
def ftbc_against_reference(model, calib, steps: int) -> dict:
    xs = [x for x, _ in calib]
    base = ann2snn.convert(model, "opi", calib=xs, per_channel=True)
    ann = prepare_ann(model).gm
    slow = copy.deepcopy(base)
    t_ref = seconds(lambda: ftbc_reference(slow, ann, xs, steps))
    ours = ann2snn.convert(model, "ftbc", calib=calib, timesteps=steps, base="opi",
                           per_channel=True, iterations=1, batches=len(xs), holdout=0,
                           calib_batches=len(xs))
    t_ours = ours.info.calibration["ftbc"]["seconds"]
    gap = max(float((a.step_bias - b.step_bias).abs().max())
              for (_, a), (_, b) in zip(ours.neurons(), slow.neurons()))
    return {"T": steps, "batches": len(xs), "iterations": 1, "reference_s": round(t_ref, 2),
            "ours_s": t_ours, "speedup": round(t_ref / t_ours, 1), "max_bias_difference": gap,
            "equal_biases": gap == 0.0}


def peak_memory(steps: int) -> dict:
    """Resident memory of a fresh process: after setup, and at the peak of ``snn(x, T)``
    (the kernel's high-water mark, reset after setup through /proc/self/clear_refs)."""
    code = f"""
import ctypes, gc, torch, ann2snn
from ann2snn.models import create_model
def status(key):
    return int(next(l for l in open('/proc/self/status') if l.startswith(key)).split()[1]) * 1024
torch.manual_seed(0)
m = create_model('resnet20').eval(); x = torch.rand(128, 3, 32, 32)
snn = ann2snn.convert(m, 'opi', calib=[x[:16]]); snn(x[:2], 1)
gc.collect(); ctypes.CDLL('libc.so.6').malloc_trim(0)
open('/proc/self/clear_refs', 'w').write('5')
before = status('VmRSS:')
with torch.no_grad(): snn(x, {steps})
print(before, status('VmHWM:'))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, peak = (int(v) for v in out.stdout.split())
    return {"setup_bytes": before, "peak_bytes": peak, "simulation_bytes": peak - before}


PARTS = ("simulation", "two-phase", "graded", "calibration", "memory")


def measure(part: str, resnet, batches, calib, steps, args) -> dict:
    """One part of the benchmark (``--only``), its JSON fields."""
    if part == "simulation":
        out = {"resnet20": simulation(resnet, batches, calib, steps, args.repeats)}
        if not args.skip_vgg:
            vgg = create_model("vgg16").eval()
            out["vgg16_random"] = simulation(vgg, batches[:1], calib[:1], steps, 1)
        return out
    if part == "two-phase":
        return {name: two_phase(name, batches[0][0], steps, args.repeats)
                for name in ("tpp", "errorfree")}
    if part == "graded":
        return {"graded_and_differential": coded(resnet, batches[0][0], calib, steps,
                                                 args.repeats)}
    if part == "calibration":
        return {"calibration": calibration(resnet, train_batches(9), 8),  # FTBC: B = 5 + 4 held out
                "ftbc_vs_whole_network": ftbc_against_reference(resnet, calib[:2], 8)}
    one, many = peak_memory(1), peak_memory(64)
    return {"memory": {"T1": one, "T64": many,
                       "peak_ratio": round(many["peak_bytes"] / one["peak_bytes"], 3),
                       "simulation_ratio": round(many["simulation_bytes"]
                                                 / one["simulation_bytes"], 3)}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", default="8,32")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, help="first N test images only")
    parser.add_argument("--skip-vgg", action="store_true")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="measure this part only (repeatable; default: all)")
    args = parser.parse_args()
    if not (SHARED / "models" / "resnet20-12fca82f.th").exists():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return 0
    steps = [int(t) for t in args.timesteps.split(",")]
    torch.manual_seed(0)
    resnet = load_weights(create_model("resnet20"), SHARED / "models" / "resnet20-12fca82f.th").eval()
    batches, calib = test_batches(args.limit), train_batches(5)
    result = {"threads": torch.get_num_threads(), "torch": torch.__version__,
              "freed_memory_reused": ann2snn.reuse_freed_memory()}
    for part in args.only or PARTS:
        result.update(measure(part, resnet, batches, calib, steps, args))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
