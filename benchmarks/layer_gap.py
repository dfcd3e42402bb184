"""Where a QCFS network's SNN departs from its ANN, layer by layer (JSON on stdout).

For one checkpoint (``ann2snn train``'s folder) and one batch of *training* images, the
network is converted by ``qcfs`` (θ = λ, v0 = θ/2) and simulated for T steps; each spiking
layer's mean output over the T steps is compared with its QCFS activation in the ANN on the
same images: the mean absolute error relative to the mean activation, and the share of
neurons whose spike count is the ANN's level exactly. With L = T and an input that is the
same at every step, QCFS's spike counts equal its levels; what departs is the unevenness
of the inputs a layer receives from the spiking layers below it.

    .venv/bin/python benchmarks/layer_gap.py --checkpoint runs/paper-tables/qcfs-L4 \\
        --data ../shared/data/cifar10-jpeg.tar.gz --timesteps 4
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

import ann2snn
from ann2snn.ann.sites import site_module
from ann2snn.conversion.converter import prepare_ann
from ann2snn.data import SeededBatches, load_dataset
from ann2snn.models.loading import load_network


@torch.no_grad()
def layer_gaps(model, x: torch.Tensor, steps: int) -> list[dict]:
    snn = ann2snn.convert(model, "qcfs")
    prep = prepare_ann(model)
    acts, hooks = {}, []
    for name, _ in snn.neurons():
        hooks.append(site_module(prep.gm, name).register_forward_hook(
            lambda _m, _i, out, name=name: acts.__setitem__(name, out)))
    prep.gm(x)
    for h in hooks:
        h.remove()
    means = {}
    for name, neuron in snn.neurons():
        neuron.observer = lambda s, v, o, name=name: means.__setitem__(name, v.mean(0))
    snn(x, steps, chunk=0)
    rows = []
    for name, neuron in snn.neurons():
        a, m = acts[name], means[name]
        theta = neuron.param(neuron.threshold, m.unsqueeze(0)).squeeze(0)
        exact = (torch.round(m * steps / theta) == torch.round(a * steps / theta)).float()
        rows.append({"layer": name, "relative_error": round(float(
            (m - a).abs().mean() / a.abs().mean().clamp_min(1e-12)), 4),
            "exact_share": round(float(exact.mean()), 4)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="the JPEG CIFAR-10 archive")
    parser.add_argument("--timesteps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args()
    model = load_network(checkpoint=str(args.checkpoint)).model.eval()
    train = load_dataset("imagefolder", args.data, "train")
    x, _ = next(iter(SeededBatches(train, args.batch, seed=0)))
    print(json.dumps({"checkpoint": str(args.checkpoint), "timesteps": args.timesteps,
                      "images": int(x.shape[0]), "layers": layer_gaps(model, x, args.timesteps)},
                     indent=1))


if __name__ == "__main__":
    main()
