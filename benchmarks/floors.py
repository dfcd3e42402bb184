"""How close each CPU speed target of issue 22 can come: the convolutions' own seconds (JSON).

The shared ResNet-20 (random weights when ../shared is absent), one batch of 128 test images,
2 threads. Each system is run under the profiler, which gives the seconds spent inside the
convolution kernels (``aten::mkldnn_convolution``, self time); an unprofiled ANN pass of the
same batch is the unit. Convolutions of spikes are dense oneDNN calls like the ANN's, so their
seconds are what no change to the neurons can remove:

- ``simulation``: the plain simulation (``opi`` per channel, as in benchmarks/speed.py) at T,
  its seconds and its convolutions' seconds in T ANN passes (targets: <= 0.9 at T = 8,
  <= 0.75 at T = 32);
- ``ftbc``: per T, one layer-local FTBC pass (calibration, its ANN run included) and one
  plain run of its network (a held-out evaluation), each in T ANN passes, total and
  convolutions only; then, with
  compare's settings (B = 5 batches for K = 10 iterations, 4 held-out batches evaluated K + 1
  times: 50 passes and 44 runs per T), the share of FTBC's seconds that the held-out runs take
  (target <= 20 %) measured and at the convolutions' floor (every neuron pass free), and
  FTBC's seconds over all T at that floor (the compare target, <= 600 s, is for all eight
  methods together).

Run alone, from the project root:

    .venv/bin/python benchmarks/floors.py > docs/results-floors.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

import ann2snn
from ann2snn.calibration.ftbc import ftbc_update
from ann2snn.calibration.layerwise import layerwise_pass
from ann2snn.conversion.converter import prepare_ann
from ann2snn.models import create_model, load_weights

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import SHARED, race, test_batches  # noqa: E402

WEIGHTS = SHARED / "models" / "resnet20-12fca82f.th"
CONV = "aten::mkldnn_convolution"
#: compare's FTBC per T: K·B calibration passes, (K + 1)·holdout held-out runs
PASSES, HELD_RUNS = 10 * 5, 11 * 4


def profiled(fn, repeats: int) -> tuple[float, float]:
    """Best-of-``repeats`` (seconds, convolution seconds) of ``fn`` under the profiler."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            fn()
        events = prof.key_averages()
        total = sum(e.self_cpu_time_total for e in events) / 1e6
        conv = sum(e.self_cpu_time_total for e in events if e.key == CONV) / 1e6
        best = min(best, (total, conv))
    return best


@torch.no_grad()
def simulation(model, x, ann_s: float, steps: int, repeats: int) -> dict:
    snn = ann2snn.convert(model, "opi", calib=[x], per_channel=True)
    seconds = race({"snn": lambda: snn(x, steps)}, repeats)["snn"]
    total, conv = profiled(lambda: snn(x, steps), repeats)
    unit = steps * ann_s
    return {"T": steps, "snn_vs_T_ann": round(seconds / unit, 3),
            "convolutions_vs_T_ann": round(conv / unit, 3),
            "convolution_share": round(conv / total, 3)}


@torch.no_grad()
def ftbc(model, x, ann, ann_s: float, steps: int, repeats: int) -> dict:
    calibrated = ann2snn.convert(model, "snnc-light", calib=[x], timesteps=steps,
                                 calib_batches=1)
    update = lambda _n, n, cur, act: ftbc_update(n, cur, act, 0.5, steps)  # noqa: E731
    calib = lambda: layerwise_pass(calibrated, ann, x, steps, update, chunked=True)  # noqa: E731
    calib()  # step biases for the held-out run
    best = race({"pass": calib, "held": lambda: calibrated(x, steps)}, repeats)
    pass_total, pass_conv = profiled(calib, repeats)
    held_total, held_conv = profiled(lambda: calibrated(x, steps), repeats)
    unit = steps * ann_s
    measured = HELD_RUNS * best["held"] / (HELD_RUNS * best["held"] + PASSES * best["pass"])
    floor_s = PASSES * pass_conv + HELD_RUNS * held_conv  # a pass's own ANN run included
    return {"T": steps, "pass_vs_T_ann": round(best["pass"] / unit, 3),
            "pass_convolutions_vs_T_ann": round(pass_conv / unit, 3),
            "held_vs_T_ann": round(best["held"] / unit, 3),
            "held_convolutions_vs_T_ann": round(held_conv / unit, 3),
            "held_share_measured": round(measured, 3),
            "held_share_at_floor": round(HELD_RUNS * held_conv / floor_s, 3),
            "floor_seconds": round(floor_s, 2),
            "profiled_convolution_share": round((pass_conv + held_conv)
                                                / (pass_total + held_total), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", default="1,2,4,8,16,32",
                        help="T values of the FTBC part (compare's sweep)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    ann2snn.reuse_freed_memory()  # as the command line does
    model = create_model("resnet20").eval()
    x = test_batches(128)[0][0] if WEIGHTS.exists() else torch.randn(128, 3, 32, 32)
    if WEIGHTS.exists():
        load_weights(model, WEIGHTS)
    ann = prepare_ann(model).gm
    with torch.no_grad():
        ann_s = race({"ann": lambda: ann(x)}, 5)["ann"]
    steps = [int(t) for t in args.timesteps.split(",")]
    rows = [ftbc(model, x, ann, ann_s, t, args.repeats) for t in steps]
    result = {"weights": "shared" if WEIGHTS.exists() else "random",
              "threads": torch.get_num_threads(), "batch": 128, "ann_s": round(ann_s, 4),
              "simulation": [simulation(model, x, ann_s, t, args.repeats) for t in (8, 32)],
              "ftbc": rows,
              "ftbc_floor_seconds_all_T": round(sum(r["floor_seconds"] for r in rows), 1),
              "ftbc_passes_and_held_runs_per_T": [PASSES, HELD_RUNS]}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
