"""One FTBC calibration to max(T) for every T, against one calibration per T (JSON).

FTBC on an ``opi`` or ``qcfs`` base depends on T only through its causal calibration, so
``evaluate``/``compare`` calibrate once to ``max(T)`` and give each T the first T steps of
the iteration best at T (docs/methods.md#ftbc). This measures both ways in one process, and
checks that they give the same biases and kept iterations at every T.

The shared ResNet-20's ReLU weights with every ReLU made a ClipReLU of λ = 2 (untrained: a
timing and exactness check, not an accuracy one; random weights and inputs when ../shared is
absent), ImageNet input normalisation, the shared training images as the command line passes
them (``SeededBatches``, augmented, batch 128), FTBC's defaults but ``--iterations``. Run
alone, from the project root:

    .venv/bin/python benchmarks/ftbc_over_T.py > docs/results-ftbc-over-T.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

import ann2snn
from ann2snn.conversion.converter import convert_prepared_over_T, prepare_ann, serves_every_T
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.graph.sites import replace_relu_sites
from ann2snn.methods import get_method
from ann2snn.models import create_model, load_weights
from ann2snn.models.normalize import with_normalization

SHARED = Path(__file__).resolve().parents[2] / "shared"
WEIGHTS = SHARED / "models" / "resnet20-12fca82f.th"
DATA = SHARED / "data" / "cifar-10-subset"
LAM = 2.0  # every site's clip λ (untrained)


def network_and_batches():
    torch.manual_seed(0)
    model = create_model("resnet20").eval()
    if WEIGHTS.exists():
        load_weights(model, WEIGHTS)
    clip = with_normalization(replace_relu_sites(model, "clip", lam=LAM).eval(),
                              NORMALIZATIONS["imagenet"])
    if WEIGHTS.exists():
        return clip, SeededBatches(load_dataset("cifar10", DATA, "train", augment=True), 128, 0)
    xs = torch.rand(1280, 3, 32, 32)
    return clip, list(zip(xs.split(128), clip(xs).argmax(1).split(128)))


def same_biases(a, b) -> bool:
    return all((p.step_bias is None and q.step_bias is None)
               or (p.step_bias is not None and q.step_bias is not None
                   and torch.equal(p.step_bias, q.step_bias))
               for (_, p), (_, q) in zip(a.neurons(), b.neurons()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", default="1,2,4,8,16")
    parser.add_argument("--iterations", type=int, default=3, help="FTBC's K")
    args = parser.parse_args()
    torch.set_num_threads(2)
    ann2snn.reuse_freed_memory()  # as the command line does
    steps = [int(t) for t in args.timesteps.split(",")]
    model, calib = network_and_batches()
    prep = prepare_ann(model)
    recipe = get_method("ftbc", iterations=args.iterations)
    assert serves_every_T(prep, recipe)
    cpu = torch.device("cpu")
    started = time.perf_counter()
    alone = {t: ann2snn.convert(model, "ftbc", calib, timesteps=t, iterations=args.iterations)
             for t in steps}
    each_s = time.perf_counter() - started
    started = time.perf_counter()
    shared = convert_prepared_over_T(prep, model, recipe, calib, steps, calib_batches=None,
                                     device=cpu)
    once_s = time.perf_counter() - started
    rows = [{"T": t, "kept_iteration": shared[t].info.calibration["ftbc"]["chosen_iteration"],
             "kept_iteration_alone": alone[t].info.calibration["ftbc"]["chosen_iteration"],
             "biases_equal": same_biases(alone[t], shared[t])} for t in steps]
    print(json.dumps({"weights": "shared" if WEIGHTS.exists() else "random",
                      "threads": torch.get_num_threads(), "timesteps": steps,
                      "iterations": args.iterations, "per_T_seconds": round(each_s, 2),
                      "one_calibration_seconds": round(once_s, 2),
                      "one_vs_per_T": round(once_s / each_s, 3), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
