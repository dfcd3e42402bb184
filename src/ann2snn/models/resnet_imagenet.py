"""ResNet-18/34 (He et al. 2016) with basic blocks and projection shortcuts.

Module names follow torchvision (``conv1``, ``bn1``, ``layer1..4``, ``downsample``, ``fc``), so
its weights load (activations' λ aside). Stems: ImageNet (7x7/2 conv and 3x3/2 max pool;
convert with ``maxpool="avg"``) for inputs above 64 px, CIFAR (3x3/1 conv, no pool) otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn

from ann2snn.ann.activations import make_activation
from ann2snn.models.registry import register_model
from ann2snn.models.vgg import head_for


class BasicBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int, act: Callable[[], nn.Module]):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.act1 = act()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes))
        self.act2 = act()

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x)))))
        return self.act2(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, blocks: list[int], num_classes: int, act: Callable[[], nn.Module],
                 in_channels: int, stem: str):
        super().__init__()
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(64)
        self.act1 = act()
        stages, planes_in = [], 64
        for i, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks)):
            stage = []
            for j in range(count):
                stage.append(BasicBlock(planes_in, planes, 2 if (i > 0 and j == 0) else 1, act))
                planes_in = planes
            stages.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def _build(blocks, num_classes, activation, in_channels, input_size, stem, options) -> ResNet:
    return ResNet(blocks, num_classes, lambda: make_activation(activation, **options), in_channels,
                  head_for(input_size, stem))


@register_model(input_shape=(3, 32, 32), num_classes=10)
def resnet18(num_classes: int = 10, activation: str = "relu", in_channels: int = 3,
             input_size: int | None = None, stem: str | None = None, **options) -> ResNet:
    """ResNet-18 (11 M parameters); ``stem`` cifar/imagenet, chosen from ``input_size``."""
    return _build([2, 2, 2, 2], num_classes, activation, in_channels, input_size, stem, options)


@register_model(input_shape=(3, 32, 32), num_classes=10)
def resnet34(num_classes: int = 10, activation: str = "relu", in_channels: int = 3,
             input_size: int | None = None, stem: str | None = None, **options) -> ResNet:
    """ResNet-34 (21 M parameters); ``stem`` cifar/imagenet, chosen from ``input_size``."""
    return _build([3, 4, 6, 3], num_classes, activation, in_channels, input_size, stem, options)
