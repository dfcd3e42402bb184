"""Model factories as users write them in their own packages (``user_models:NAME``), for the
tests of what a typed factory name trusts and of fine-tuning a user's model."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FunctionalCNN(nn.Module):
    """ReLUs as ``F.relu`` calls in ``forward``: no ``nn.ReLU`` module."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, width, 3, padding=1)
        self.fc = nn.Linear(width * 8 * 8, num_classes)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).flatten(1))


def functional_cnn(num_classes: int = 10, in_channels: int = 1, width: int = 4) -> nn.Module:
    return FunctionalCNN(in_channels, num_classes, width)


def module_cnn(num_classes: int = 10, in_channels: int = 1, width: int = 4) -> nn.Module:
    """``nn.ReLU`` modules, a ``width`` option: a factory a file may pass ``width`` to."""
    return nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(width * 8 * 8, num_classes))


def three_channel_cnn(num_classes: int = 10) -> nn.Module:
    """Ignores ``in_channels``: built for RGB whatever the dataset."""
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 8 * 8, num_classes))


class FunctionalResNet(nn.Module):
    """A CIFAR-style residual net as users write it: ``F.relu``, ``torch.relu`` and
    ``Tensor.relu`` calls in ``forward``, BatchNorm, a skip connection, global pooling."""

    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: int = 8):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        self.c1 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(width)
        self.c2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(width)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        y = torch.relu(self.b1(self.c1(x)))
        x = (self.b2(self.c2(y)) + x).relu()
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def functional_resnet(num_classes: int = 10, in_channels: int = 3) -> nn.Module:
    return FunctionalResNet(in_channels, num_classes)


def no_relu_cnn(num_classes: int = 10, in_channels: int = 1) -> nn.Module:
    """No activation at all: nothing to fine-tune into QCFS, nothing to convert."""
    return nn.Sequential(nn.Conv2d(in_channels, 4, 3, padding=1), nn.Flatten(),
                         nn.Linear(4 * 8 * 8, num_classes))


def not_a_model(num_classes: int = 10):
    return num_classes
