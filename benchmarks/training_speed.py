"""Training-step speed of QCFS and clip ReLU against ReLU, in both memory layouts (JSON).

ResNet-20 (CIFAR, 10 classes), one SGD step (forward, cross-entropy, backward, update) on a
random batch, for ``relu``, ``qcfs`` (the fused autograd function, L = 4),
``qcfs_composite`` (the op-by-op definition the fused one is tested against) and ``clip``;
each in the default (NCHW) layout and channels-last. Systems are interleaved, best of
``--repeats`` rounds of ``--steps`` steps; ``*_vs_relu`` is the ratio to ReLU in the same
layout. Run alone (two torch processes on 2 cores thrash each other), from the project root:

    .venv/bin/python benchmarks/training_speed.py > docs/results-training-speed.json
"""

from __future__ import annotations

import argparse
import json
import time
from contextlib import contextmanager

import torch
from torch import nn

from ann2snn.ann import QCFS
from ann2snn.functional.fused import qcfs_reference
from ann2snn.models import create_model

LAYOUTS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


@contextmanager
def composite_qcfs():
    """QCFS modules run their op-by-op definition instead of the fused function."""
    fused = QCFS.forward
    QCFS.forward = lambda self, z: qcfs_reference(z, self.lam, self.levels, self.shift)
    try:
        yield
    finally:
        QCFS.forward = fused


def make_step(activation: str, layout, batch: int):
    torch.manual_seed(0)
    options = {"levels": 4} if activation == "qcfs" else {}
    model = create_model("resnet20", activation=activation, **options).to(memory_format=layout)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 3, 32, 32).contiguous(memory_format=layout)
    y = torch.randint(0, 10, (batch,))
    model.train()

    def step():
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def timed(step, steps: int, composite: bool) -> float:
    with composite_qcfs() if composite else _nothing():
        started = time.perf_counter()
        for _ in range(steps):
            step()
        return (time.perf_counter() - started) / steps


@contextmanager
def _nothing():
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    systems = {(name, layout): (make_step(act, fmt, args.batch_size), name == "qcfs_composite")
               for layout, fmt in LAYOUTS.items()
               for name, act in (("relu", "relu"), ("qcfs", "qcfs"),
                                 ("qcfs_composite", "qcfs"), ("clip", "clip"))}
    for step, composite in systems.values():  # warm up
        timed(step, 1, composite)
    best = dict.fromkeys(systems, float("inf"))
    for _ in range(args.repeats):
        for key, (step, composite) in systems.items():
            best[key] = min(best[key], timed(step, args.steps, composite))
    result = {"batch_size": args.batch_size, "steps": args.steps, "repeats": args.repeats,
              "threads": torch.get_num_threads(), "torch": torch.__version__}
    for layout in LAYOUTS:
        relu = best[("relu", layout)]
        row = {f"{name}_step_s": round(best[(name, layout)], 4)
               for name in ("relu", "qcfs", "qcfs_composite", "clip")}
        row.update({f"{name}_vs_relu": round(best[(name, layout)] / relu, 3)
                    for name in ("qcfs", "qcfs_composite", "clip")})
        result[layout] = row
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
