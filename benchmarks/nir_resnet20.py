"""The shared ResNet-20 through NIR: exported and simulated by nirtorch 2.6, against ann2snn.

``opi`` with per-channel thresholds (calibrated on the shared training images), exported with
``export_nir``, read back with ``nir.read`` and run by ``nirtorch.nir_to_torch`` with the node
map of ``tests/export/test_nir.py`` for T steps on the 932 test images (the graph takes the
normalised image). Prints JSON: prediction agreement, the largest logit difference, both
accuracies.

    .venv/bin/python benchmarks/nir_resnet20.py [--timesteps 8]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
from pathlib import Path

import torch

import ann2snn
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.models import create_model, load_weights, with_normalization
from ann2snn.snn.network import decode

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def nir_helpers():
    """The nirtorch node map and runner of the tests (one definition of the consumer)."""
    spec = importlib.util.spec_from_file_location("test_nir", ROOT / "tests" / "export" / "test_nir.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@torch.no_grad()
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=8)
    args = parser.parse_args()
    if not (SHARED / "models" / "resnet20-12fca82f.th").exists():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return 0
    import nir

    helpers = nir_helpers()
    norm = NORMALIZATIONS["imagenet"]
    model = with_normalization(load_weights(create_model("resnet20"),
                                            SHARED / "models" / "resnet20-12fca82f.th"), norm).eval()
    data = SHARED / "data" / "cifar-10-subset"
    snn = ann2snn.convert(model, "opi", SeededBatches(load_dataset("cifar10", data, "train"), 128),
                          per_channel=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "resnet20.nir"
        ann2snn.export_nir(snn, path)
        graph = nir.read(str(path))
    test = load_dataset("cifar10", data, "test")
    normalize = model.normalize
    gap, agree, ours_ok, theirs_ok, total = 0.0, 0, 0, 0, 0
    for x, y in torch.utils.data.DataLoader(test, batch_size=128):
        ours = decode(snn(x, args.timesteps))[-1]
        theirs = helpers.run_nir(graph, normalize(x), args.timesteps).mean(0)
        gap = max(gap, float((ours - theirs).abs().max()))
        agree += int((ours.argmax(1) == theirs.argmax(1)).sum())
        ours_ok += int((ours.argmax(1) == y).sum())
        theirs_ok += int((theirs.argmax(1) == y).sum())
        total += int(y.shape[0])
    print(json.dumps({"T": args.timesteps, "images": total, "predictions_agree": agree / total,
                      "max_logit_difference": gap, "accuracy_ann2snn": ours_ok / total,
                      "accuracy_nir": theirs_ok / total, "nir_nodes": len(graph.nodes),
                      "nir_edges": len(graph.edges)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
