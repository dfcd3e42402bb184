"""Sub-batches against whole batches (docs/methods.md#simulation), in one process (JSON).

The shared ResNet-20 (random weights when ../shared is absent), ``opi``, one batch of 128
test images: seconds of ``snn(x, T)`` with ``SpikingNetwork.sub_batch`` = 32 (the default)
and 0 (no split), interleaved, best of 3, each over T ANN passes of the same batch; and
whether the outputs are equal bit for bit. Run alone, from the project root:

    .venv/bin/python benchmarks/sub_batches.py > docs/results-sub-batches.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

import ann2snn
from ann2snn.models import create_model, load_weights

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import SHARED, race, test_batches  # noqa: E402


@torch.no_grad()
def main() -> int:
    model = create_model("resnet20").eval()
    weights = SHARED / "models" / "resnet20-12fca82f.th"
    if weights.exists():
        load_weights(model, weights)
        x = test_batches(128)[0][0]
    else:
        x = torch.randn(128, 3, 32, 32)
    snn = ann2snn.convert(model, "opi", calib=[x])
    rows = []
    for steps in (8, 32):
        def run(size, steps=steps):
            snn.sub_batch = size
            return snn(x, steps)
        equal = torch.equal(run(32), run(0))
        best = race({"ann": lambda: model(x), "split": lambda: run(32), "whole": lambda: run(0)}, 3)
        rows.append({"T": steps, "split_vs_T_ann": round(best["split"] / (steps * best["ann"]), 3),
                     "whole_vs_T_ann": round(best["whole"] / (steps * best["ann"]), 3),
                     "split_vs_whole": round(best["split"] / best["whole"], 3),
                     "outputs_equal": equal})
    print(json.dumps({"benchmark": "sub-batches of 32 vs whole batches of 128", "weights":
                      "shared" if weights.exists() else "random", "threads": torch.get_num_threads(),
                      "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
