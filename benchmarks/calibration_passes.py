"""Calibration passes and the pieces they are made of, against references in the same run (JSON).

The shared ResNet-20 (random weights when ../shared is absent), one batch of 128 test images:

- ``kernels``: the per-neuron mean of a channels-last ``[T, B, C, H, W]`` tensor
  (``leading_sum`` against ``x.mean((0, 1))``, docs/methods.md#snnc); a cost meter's running
  sum of a chunk of 4 steps (one add per step against ``total.add_(steps.sum(0))``); a fresh
  134 MB tensor filled against the same tensor refilled (the page faults that reused memory
  saves, docs/methods.md#allocator);
- ``passes``: one layer-local calibration pass at T (no update, SNNC light, SNNC advanced,
  FTBC) and the plain simulation, in T ANN passes of the batch, each in its own process with
  glibc's default allocator (``system``) and with freed memory reused (``reused``).

Interleaved, best of ``--repeats``. Run alone, from the project root:

    .venv/bin/python benchmarks/calibration_passes.py > docs/results-calibration-passes.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

import ann2snn
from ann2snn.calibration.ftbc import ftbc_update
from ann2snn.calibration.layerwise import layerwise_pass
from ann2snn.calibration.snnc import _bias_update, _potential_update
from ann2snn.conversion.converter import prepare_ann
from ann2snn.costs.meter import _add_steps
from ann2snn.models import create_model, load_weights
from ann2snn.snn.time import leading_sum

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import SHARED, race, test_batches  # noqa: E402

WEIGHTS = SHARED / "models" / "resnet20-12fca82f.th"


def kernels(repeats: int) -> dict:
    torch.manual_seed(0)
    cl = torch.channels_last
    big = torch.rand(16 * 128, 16, 32, 32).contiguous(memory_format=cl).view(16, 128, 16, 32, 32)
    chunk = (torch.rand(4 * 32, 16, 32, 32) > 0.8).float().contiguous(memory_format=cl)
    chunk = chunk.view(4, 32, 16, 32, 32)
    total = torch.zeros(32, 16, 32, 32).contiguous(memory_format=cl)
    held = torch.empty(big.numel())
    best = race({"mean_plain": lambda: big.mean((0, 1)),
                 "mean_leading": lambda: leading_sum(big, 2, True),
                 "add_sum0": lambda: total.add_(chunk.sum(0)),
                 "add_steps": lambda: _add_steps(total, chunk),
                 "fill_fresh": lambda: torch.empty(big.numel()).fill_(1.0),
                 "fill_reused": lambda: held.fill_(1.0)}, repeats)
    return {"mean_leading_vs_plain": round(best["mean_leading"] / best["mean_plain"], 3),
            "mean_equal": torch.equal(leading_sum(big, 2, True), big.mean((0, 1))),
            "add_steps_vs_sum0": round(best["add_steps"] / best["add_sum0"], 3),
            "fill_reused_vs_fresh": round(best["fill_reused"] / best["fill_fresh"], 3),
            "seconds": {k: round(v, 5) for k, v in best.items()}}


@torch.no_grad()
def passes(steps: int, repeats: int) -> dict:
    """One process: each pass on its own copy of the network, in T ANN passes."""
    reused = ann2snn.reuse_freed_memory() if os.environ.get("ANN2SNN_MALLOC") != "system" else False
    model = create_model("resnet20").eval()
    x = test_batches(128)[0][0] if WEIGHTS.exists() else torch.randn(128, 3, 32, 32)
    if WEIGHTS.exists():
        load_weights(model, WEIGHTS)
    snn = ann2snn.convert(model, "snnc-light", calib=[x], timesteps=steps, calib_batches=1)
    ann = prepare_ann(model).gm
    nets = {k: copy.deepcopy(snn) for k in ("plain", "none", "snnc-light", "snnc-advanced", "ftbc")}
    ftbc = lambda _n, n, cur, act: ftbc_update(n, cur, act, 0.5, steps)  # noqa: E731
    systems = {"ann": lambda: ann(x), "plain": lambda: nets["plain"](x, steps),
               "none": lambda: layerwise_pass(nets["none"], ann, x, steps, lambda *a: None),
               "snnc-light": lambda: layerwise_pass(nets["snnc-light"], ann, x, steps, _bias_update),
               "snnc-advanced": lambda: layerwise_pass(nets["snnc-advanced"], ann, x, steps,
                                                       _potential_update),
               "ftbc": lambda: layerwise_pass(nets["ftbc"], ann, x, steps, ftbc, chunked=True)}
    best = race(systems, repeats)
    return {"freed_memory_reused": reused, "T": steps, "ann_s": round(best["ann"], 4),
            **{k: round(v / (steps * best["ann"]), 3) for k, v in best.items() if k != "ann"}}


def child(steps: int, repeats: int, malloc: str) -> dict:
    env = {**os.environ, "ANN2SNN_MALLOC": malloc}
    out = subprocess.run([sys.executable, __file__, "--passes", "--timesteps", str(steps),
                          "--repeats", str(repeats)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--passes", action="store_true", help="the passes only, in this process")
    args = parser.parse_args()
    if args.passes:
        print(json.dumps(passes(args.timesteps, args.repeats)))
        return 0
    result = {"weights": "shared" if WEIGHTS.exists() else "random",
              "threads": torch.get_num_threads(), "kernels": kernels(args.repeats),
              "passes_in_T_ann": {m: child(args.timesteps, args.repeats, m)
                                  for m in ("system", "reused")}}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
