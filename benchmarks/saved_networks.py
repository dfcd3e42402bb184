"""Saved networks evaluate as the conversion did: every ReLU preset on the shared ResNet-20.

For each preset, at one T on the 932 test images: ``convert`` (calibrating on the shared
training images) and ``evaluate`` the network in memory against the original ANN; then
``save_snn`` -> ``load_converted(path)`` (no ANN object: the architecture and the ANN come
from the file) -> ``evaluate`` again. Prints JSON: the
ANN and SNN accuracy, spikes per neuron and energy of both, and whether they are equal.
(``qcfs`` and ``errorfree`` need a QCFS network; the tests cover them on a small one.)

    .venv/bin/python benchmarks/saved_networks.py [--timesteps 4]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from torch.utils.data import DataLoader

import ann2snn
from ann2snn.conversion.serialize import load_converted
from ann2snn.data import NORMALIZATIONS, SeededBatches, load_dataset
from ann2snn.models import create_model, load_weights, with_normalization

SHARED = Path(__file__).resolve().parents[2] / "shared"
PRESETS = ["rate", "robust", "opi", "rts", "snnc-light", "snnc-advanced", "ftbc", "tpp"]
FIELDS = ("accuracy", "spikes_per_neuron", "energy_uj")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=4)
    args = parser.parse_args()
    if not (SHARED / "models" / "resnet20-12fca82f.th").exists():
        print(json.dumps({"skipped": f"{SHARED} is absent"}))
        return 0
    model = with_normalization(load_weights(create_model("resnet20"),
                                            SHARED / "models" / "resnet20-12fca82f.th"),
                               NORMALIZATIONS["imagenet"]).eval()
    data = SHARED / "data" / "cifar-10-subset"
    test = DataLoader(load_dataset("cifar10", data, "test"), batch_size=256)
    train = load_dataset("cifar10", data, "train")
    rows, steps = [], [args.timesteps]
    with tempfile.TemporaryDirectory() as folder:
        for method in PRESETS:
            options = {"timesteps": args.timesteps} if ann2snn.get_method(method).depends_on_timesteps else {}
            snn = ann2snn.convert(model, method, SeededBatches(train, 128), **options)
            path = Path(folder) / f"{method}.safetensors"
            ann2snn.save_snn(snn, path)
            direct = ann2snn.evaluate(model, test, steps, snn=snn)
            ann, again = load_converted(path)  # the file alone
            saved = ann2snn.evaluate(ann, test, steps, snn=again)
            row = {"method": method, "T": args.timesteps, "ann_accuracy": [direct["ann"]["accuracy"],
                                                                           saved["ann"]["accuracy"]]}
            row.update({k: [direct["snn"][0][k], saved["snn"][0][k]] for k in FIELDS})
            row["identical"] = all(a == b for a, b in (row[k] for k in ("ann_accuracy", *FIELDS)))
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
