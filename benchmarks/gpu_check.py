"""The GPU check, prepared for the day a device is lent (one JSON on stdout).

1. ``tests``: the suite with ``ANN2SNN_TEST_DEVICE`` set, so every test that takes a device
   (tests/test_device.py: every preset, folding, costs, a training step, and no host
   synchronisation per step under ``torch.cuda.set_sync_debug_mode``) runs on it;
   ``--tests device`` runs only those, ``all`` the whole suite, ``none`` nothing.
2. ``speed``: a ResNet-20 (random weights: timing only) converted by ``opi`` per channel;
   one ANN pass and the SNN at each T and batch, synchronised around each timed call,
   best of ``--repeats``: seconds and SNN / (T · ANN).
3. ``memory``: peak device memory of a simulation at T = 1 and at the largest T (CUDA).
4. ``spikingjelly``: its multi-step CuPy backend on the same thresholds, where it installs.

    bash benchmarks/gpu_check.sh                     # on the GPU machine
    bash benchmarks/gpu_check.sh --device cpu --quick --tests device   # the CPU dry run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def best_seconds(fn, device: torch.device, repeats: int) -> float:
    """Best of ``repeats`` calls, the device synchronised before and after each."""
    fn()  # warm-up (kernel selection, caches)
    best = float("inf")
    for _ in range(repeats):
        sync(device)
        started = time.perf_counter()
        fn()
        sync(device)
        best = min(best, time.perf_counter() - started)
    return best


def run_tests(which: str, device: torch.device) -> dict:
    if which == "none":
        return {"ran": False}
    target = ["tests/test_device.py"] if which == "device" else ["tests"]
    env = {**os.environ, "ANN2SNN_TEST_DEVICE": str(device), "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *target], cwd=ROOT, env=env, capture_output=True, text=True)
    tail = done.stdout.strip().splitlines()[-1:] or [done.stderr.strip()[-300:]]
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|errors?)", tail[0])}
    return {"ran": which, "returncode": done.returncode, "seconds": round(
        time.perf_counter() - started, 1), "summary": tail[0], **counts}


def _network(device: torch.device):
    import ann2snn

    torch.manual_seed(0)
    model = ann2snn.create_model("resnet20").eval().to(device)
    calib = [torch.randn(64, 3, 32, 32, device=device) for _ in range(2)]
    return model, ann2snn.convert(model, "opi", calib=calib, per_channel=True)


@torch.no_grad()
def speed(device: torch.device, batches, steps, repeats: int) -> list[dict]:
    model, snn = _network(device)
    rows = []
    for batch in batches:
        x = torch.randn(batch, 3, 32, 32, device=device)
        ann = best_seconds(lambda x=x: model(x), device, repeats)
        for t in steps:
            s = best_seconds(lambda x=x, t=t: snn(x, t), device, repeats)
            rows.append({"batch": batch, "T": t, "ann_s": round(ann, 5), "snn_s": round(s, 4),
                         "snn_vs_T_ann": round(s / (t * ann), 3)})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


@torch.no_grad()
def memory(device: torch.device, steps) -> dict:
    if device.type != "cuda":
        return {"measured": False, "why": "peak device memory is a CUDA reading; on CPU "
                "benchmarks/speed.py measures the process's RSS"}
    _, snn = _network(device)
    x = torch.randn(128, 3, 32, 32, device=device)
    peaks = {}
    for t in (1, max(steps)):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        snn(x, t)
        sync(device)
        peaks[f"T{t}_MiB"] = round(torch.cuda.max_memory_allocated(device) / 2**20, 1)
    return {"measured": True, "batch": 128, **peaks}


@torch.no_grad()
def spikingjelly(device: torch.device, steps, repeats: int) -> dict:
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from sj_reference import convert_sj, run_sj
        from spikingjelly.activation_based import functional
    except ImportError as exc:
        return {"ran": False, "why": f"spikingjelly does not import here ({exc})"}
    model, snn = _network(device)
    calib = [torch.randn(64, 3, 32, 32, device=device)]
    sj = convert_sj(model, calib, [n.threshold for _, n in snn.neurons()]).to(device)
    backend = "cupy" if device.type == "cuda" else "torch"
    try:
        functional.set_backend(sj, backend)
    except Exception as exc:  # noqa: BLE001 - the reason goes into the JSON
        return {"ran": False, "why": f"backend {backend}: {exc}"[:300]}
    x = torch.randn(128, 3, 32, 32, device=device)
    rows = []
    for t in steps:
        ours = best_seconds(lambda t=t: snn(x, t), device, repeats)
        theirs = best_seconds(lambda t=t: run_sj(sj, x, t, "m"), device, repeats)
        rows.append({"T": t, "ours_s": round(ours, 4), "sj_s": round(theirs, 4),
                     "ours_vs_sj": round(ours / theirs, 3)})
    return {"ran": True, "backend": backend, "batch": 128, "rows": rows}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tests", choices=("all", "device", "none"), default="all")
    parser.add_argument("--quick", action="store_true", help="batch 16, T = 2 and 4 (dry run)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available here; use --device cpu")
    batches, steps = ((16,), (2, 4)) if args.quick else ((128, 1024), (8, 32, 128))
    result = {"device": str(device), "quick": args.quick, "torch": torch.__version__,
              "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
              "python": platform.python_version(), "tests": run_tests(args.tests, device),
              "speed": speed(device, batches, steps, args.repeats),
              "memory": memory(device, steps),
              "spikingjelly": spikingjelly(device, steps, args.repeats)}
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
