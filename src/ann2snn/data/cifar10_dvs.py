"""CIFAR10-DVS (Li et al. 2017) from the official AEDAT 2.0 files, one folder per class.

Each recording becomes ``frames`` frames of 2 polarity channels, stacked frame-major into
``[2·frames, size, size]`` (an ANN sees them as channels). Split, per class: files sorted by
the number in their name (``cifar10_airplane_17.aedat`` -> 17), the first 90 % train, the
rest test (900/100 of the official 1,000 per class).
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import Tensor
from torch.utils.data import Dataset

from ann2snn.data.aedat import SENSOR, events_to_frames, read_aedat2
from ann2snn.errors import DataError

TRAIN_FRACTION = 0.9
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def _index(path: Path) -> tuple[int, str]:
    numbers = re.findall(r"\d+", path.stem)
    return (int(numbers[-1]) if numbers else -1, path.name)


def split_files(files: list[Path], split: str) -> list[Path]:
    """The deterministic 90/10 split of one class's files by file index."""
    files = sorted(files, key=_index)
    cut = round(TRAIN_FRACTION * len(files))
    return files[:cut] if split == "train" else files[cut:]


class CIFAR10DVS(Dataset):
    def __init__(self, root: str | Path, split: str, frames: int = 10, size: int = SENSOR):
        root = Path(root)
        if not root.is_dir():
            raise DataError(f"data path {root} is not a folder; pass --data to the folder holding "
                            f"one folder of .aedat files per class ({', '.join(CLASSES[:3])}, ...)")
        if frames < 1 or SENSOR % size:
            raise DataError(f"frames must be >= 1 and size divide {SENSOR}; got {frames}, {size}")
        missing = [c for c in CLASSES if not any((root / c).glob("*.aedat"))]
        if missing:
            raise DataError(f"{root} has no .aedat files for {', '.join(missing)}; expected "
                            f"{root}/<class>/*.aedat for the 10 CIFAR10-DVS classes")
        self.classes = list(CLASSES)
        self.samples = [(f, label) for label, c in enumerate(CLASSES)
                        for f in split_files(list((root / c).glob("*.aedat")), split)]
        self.targets = [label for _, label in self.samples]
        self.frames, self.size = frames, size

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        path, label = self.samples[index]
        frames = events_to_frames(read_aedat2(path), self.frames, self.size)
        return torch.from_numpy(frames).flatten(0, 1), label
