"""Shared fixtures: the ../shared folder (skipped with a reason when absent), toy networks."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CIFAR_SUBSET = SHARED / "data" / "cifar-10-subset"
RESNET20_WEIGHTS = SHARED / "models" / "resnet20-12fca82f.th"


def selected_device() -> torch.device:
    """The device tests that take one run on: ``ANN2SNN_TEST_DEVICE`` (default cpu;
    benchmarks/gpu_check.py sets cuda)."""
    import os

    name = os.environ.get("ANN2SNN_TEST_DEVICE", "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        pytest.skip(f"ANN2SNN_TEST_DEVICE={name} but CUDA is not available here")
    return torch.device(name)


@pytest.fixture
def device() -> torch.device:
    return selected_device()


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared data beside the project); synthetic twin covers it")
    return path


@pytest.fixture
def cifar_subset() -> Path:
    return need(CIFAR_SUBSET)


@pytest.fixture
def resnet20_weights() -> Path:
    return need(RESNET20_WEIGHTS)


def write_cifar_batch(path: Path, images: np.ndarray, labels: list[int], label_key=b"labels"):
    """A batch in the official format: protocol-2 pickle of a dict with bytes keys."""
    batch = {b"batch_label": b"synthetic", label_key: labels, b"data": images}
    path.write_bytes(pickle.dumps(batch, protocol=2))


@pytest.fixture
def synthetic_cifar(tmp_path: Path) -> Path:
    """A CIFAR-10 batches folder with 20 random images per batch (official layout)."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(20, 3072), dtype=np.uint8)
        write_cifar_batch(folder / name, images, [int(v) for v in rng.integers(0, 10, 20)])
    return tmp_path


class TinyResNet(nn.Module):
    """conv-BN-ReLU, one residual block with F.relu/torch.relu, avg pooling, linear."""

    def __init__(self, channels: int = 8, classes: int = 5):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.c1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(channels)
        self.c2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(channels)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(channels * 4 * 4, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        y = (x + y).relu()
        return self.fc(torch.flatten(self.pool(y), 1))


def randomize_bn(model: nn.Module, seed: int = 0) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) * 0.4 - 0.2)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(m.num_features, generator=g) * 0.2)
    return model.eval()


def labelled_batches(samples: int, size: int = 16, seed: int = 0):
    """A TinyResNet with random BN and ``(x, its own prediction)`` batches of ``size``."""
    torch.manual_seed(seed)
    model = randomize_bn(TinyResNet())
    x = torch.rand(samples, 3, 8, 8)
    y = model(x).argmax(1)
    return model, [(x[i:i + size], y[i:i + size]) for i in range(0, samples, size)]


@pytest.fixture
def tiny_resnet() -> nn.Module:
    torch.manual_seed(0)
    return randomize_bn(TinyResNet())
