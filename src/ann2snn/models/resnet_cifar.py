"""The original CIFAR ResNet (He et al. 2016) with the parameter-free option-A shortcut.

Module names match akamaster/pytorch_resnet_cifar10, so its weights load as they are.
"""

from __future__ import annotations

from collections.abc import Callable

import torch.nn.functional as F
from torch import Tensor, nn

from ann2snn.ann.activations import make_activation
from ann2snn.models.registry import register_model


class PadShortcut(nn.Module):
    """Option A: subsample by 2 and zero-pad the channels, ``planes // 4`` on each side."""

    def __init__(self, planes: int):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BasicBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int, act: Callable):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = act()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Identity() if stride == 1 and in_planes == planes else PadShortcut(planes)
        self.act2 = act()

    def forward(self, x: Tensor) -> Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, blocks: int, num_classes: int, act: Callable, in_channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.act1 = act()
        planes_in, layers = 16, []
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            stage = []
            for i in range(blocks):
                stage.append(BasicBlock(planes_in, planes, stride if i == 0 else 1, act))
                planes_in = planes
            layers.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3 = layers
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x: Tensor) -> Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        return self.linear(self.pool(out).flatten(1))


def _act(activation: str, options: dict) -> Callable[[], nn.Module]:
    return lambda: make_activation(activation, **options)


@register_model(input_shape=(3, 32, 32), num_classes=10)
def resnet20(num_classes: int = 10, activation: str = "relu", in_channels: int = 3,
             **options) -> CifarResNet:
    """ResNet-20 for 32x32 inputs (0.27 M parameters)."""
    return CifarResNet(3, num_classes, _act(activation, options), in_channels)


@register_model(input_shape=(3, 32, 32), num_classes=10)
def resnet32(num_classes: int = 10, activation: str = "relu", in_channels: int = 3,
             **options) -> CifarResNet:
    """ResNet-32 for 32x32 inputs (0.46 M parameters)."""
    return CifarResNet(5, num_classes, _act(activation, options), in_channels)
