"""Simulation speed and memory, as ratios against references measured in the same run.

- ``snn_vs_ann``: seconds of an IF network run for T steps / (T x one ANN pass): 1.0 is the
  floor docs/methods.md#simulation sets (T passes of the network), the first conv aside.
- ``chunked_vs_whole``: the default time-chunked run / one chunk of all T steps.
- ``two_phase_fast_vs_reference``: a TPP network with count-coded hand-over / full trains.
- ``peak_bytes``: the largest tensor a spiking layer receives, chunked and whole.

    .venv/bin/python benchmarks/simulation.py [--steps 32] [--batch 128]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

import ann2snn
from ann2snn.models import create_model


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def largest_input(snn, x, steps, chunk) -> int:
    sizes = []
    hooks = [n.register_forward_pre_hook(lambda m, a: sizes.append(a[0].numel() * 4))
             for _, n in snn.neurons()]
    snn(x, steps, chunk=chunk)
    for h in hooks:
        h.remove()
    return max(sizes)


@torch.no_grad()
def main() -> int:
    parser = argparse.ArgumentParser(description="simulation speed ratios (JSON)")
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = create_model("resnet20").eval()
    x = torch.rand(args.batch, 3, 32, 32)
    snn = ann2snn.convert(model, "opi", calib=[x])
    ann_s = best_of(lambda: model(x))
    chunked = best_of(lambda: snn(x, args.steps), repeats=2)
    whole = best_of(lambda: snn(x, args.steps, chunk=0), repeats=2)
    qcfs = create_model("resnet20", activation="qcfs", levels=args.steps, lam=2.0).eval()
    tpp = ann2snn.convert(qcfs, "tpp", timesteps=args.steps, tpp_g="floor")
    fast = best_of(lambda: tpp(x, args.steps), repeats=2)
    for _, n in tpp.neurons():
        n.count_coded = False
    reference = best_of(lambda: tpp(x, args.steps), repeats=1)
    print(json.dumps({
        "model": "resnet20", "batch": args.batch, "T": args.steps,
        "threads": torch.get_num_threads(),
        "ann_pass_s": round(ann_s, 4),
        "snn_vs_ann": round(chunked / (args.steps * ann_s), 3),
        "chunked_vs_whole": round(chunked / whole, 3),
        "two_phase_fast_vs_reference": round(fast / reference, 3),
        "peak_bytes": {"chunked": largest_input(snn, x, args.steps, None),
                       "whole": largest_input(snn, x, args.steps, 0)},
    }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
