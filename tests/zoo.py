"""Small networks written the way model zoos write them (timm, torchvision), for the
conversion tests: fused norm-activation modules, ReLU6 and depthwise convolutions,
DenseNet concatenation, grouped convolutions, max pooling."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BatchNormAct2d(nn.BatchNorm2d):
    """BatchNorm then an activation in one module, as timm's ``BatchNormAct2d``: running
    statistics through ``F.batch_norm``, a shape assert, a drop layer and the activation."""

    def __init__(self, channels: int, act: type[nn.Module] | None = nn.ReLU, **act_args):
        super().__init__(channels)
        self.drop = nn.Identity()
        self.act = act(**act_args) if act is not None else nn.Identity()

    def forward(self, x):
        torch._assert(x.ndim == 4, f"expected 4D input (got {x.ndim}D input)")
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                         use_batch, 0.0 if self.momentum is None else self.momentum, self.eps)
        return self.act(self.drop(x))


def conv_bn_act(cin, cout, k=3, stride=1, groups=1, act=nn.ReLU, **act_args):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         BatchNormAct2d(cout, act, **act_args))


class InvertedResidual(nn.Module):
    """MobileNet-V2: expand 1x1 (BN-ReLU6), depthwise 3x3 (BN-ReLU6), project 1x1 (BN)."""

    def __init__(self, channels: int, expand: int = 4):
        super().__init__()
        hidden = channels * expand
        self.expand = conv_bn_act(channels, hidden, 1, act=nn.ReLU6)
        self.depthwise = conv_bn_act(hidden, hidden, 3, groups=hidden, act=nn.ReLU6)
        self.project = conv_bn_act(hidden, channels, 1, act=None)

    def forward(self, x):
        return x + self.project(self.depthwise(self.expand(x)))


class MobileNetLike(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = conv_bn_act(3, 8, 3, stride=2, act=nn.ReLU6)
        self.blocks = nn.Sequential(InvertedResidual(8), InvertedResidual(8))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, classes))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


class DenseLayer(nn.Module):
    """DenseNet: pre-activation BN-ReLU, 1x1, BN-ReLU, 3x3; the output is concatenated."""

    def __init__(self, channels: int, growth: int = 4):
        super().__init__()
        self.norm1 = BatchNormAct2d(channels)
        self.conv1 = nn.Conv2d(channels, 2 * growth, 1, bias=False)
        self.norm2 = BatchNormAct2d(2 * growth)
        self.conv2 = nn.Conv2d(2 * growth, growth, 3, padding=1, bias=False)

    def forward(self, features):
        x = torch.cat(features, 1) if isinstance(features, list) else features
        return self.conv2(self.norm2(self.conv1(self.norm1(x))))


class DenseNetLike(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.layers = nn.ModuleList(DenseLayer(8 + 4 * i) for i in range(3))
        self.norm = BatchNormAct2d(8 + 4 * 3)
        self.head = nn.Linear(8 + 4 * 3, classes)

    def forward(self, x):
        features = [self.stem(x)]
        for layer in self.layers:
            features.append(layer(features))
        x = self.norm(torch.cat(features, 1))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


class RegNetLike(nn.Module):
    """RegNet's X block: 1x1, grouped 3x3 (groups of 4 channels), 1x1, residual, ReLU."""

    def __init__(self, classes: int = 10, width: int = 16):
        super().__init__()
        self.stem = conv_bn_act(3, width, 3, stride=2)
        self.a = conv_bn_act(width, width, 1)
        self.b = conv_bn_act(width, width, 3, groups=width // 4)
        self.c = conv_bn_act(width, width, 1, act=None)
        self.act = nn.ReLU(inplace=True)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.act(x + self.c(self.b(self.a(x))))
        return self.head(x.mean((2, 3)))


class VGGLike(nn.Module):
    """VGG: conv-BN-ReLU blocks with max pooling, two ways of writing it."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(16, classes)

    def forward(self, x):
        x = F.max_pool2d(self.features(x), 2)
        return self.classifier(F.adaptive_avg_pool2d(x, 1).flatten(1))


ZOO = {"mobilenet": MobileNetLike, "densenet": DenseNetLike, "regnet": RegNetLike,
       "vgg": VGGLike}
