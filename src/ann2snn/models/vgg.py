"""VGG-16 with batch norm and average pooling (the conversion papers' VGG-16).

``features`` indices follow torchvision's ``vgg16_bn`` (conv, BN, activation per layer;
a pool at each 'M'), with average instead of max pooling. Heads: CIFAR (inputs up to 64 px:
``512 -> 4096 -> 4096 -> classes``) or ImageNet (``7x7`` adaptive pool, ``25088 -> 4096 ->
4096 -> classes``), each hidden layer followed by the activation and dropout.
"""

from __future__ import annotations

from torch import Tensor, nn

from ann2snn.ann.activations import make_activation
from ann2snn.errors import Ann2SnnError
from ann2snn.models.registry import register_model

CFG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(nn.Module):
    def __init__(self, cfg: list, num_classes: int, activation: str, in_channels: int,
                 head: str, dropout: float, **options):
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for v in cfg:
            if v == "M":
                layers.append(nn.AvgPool2d(2))
            else:
                layers += [nn.Conv2d(channels, v, 3, padding=1), nn.BatchNorm2d(v),
                           make_activation(activation, **options)]
                channels = v
        self.features = nn.Sequential(*layers)
        pooled = 1 if head == "cifar" else 7
        self.avgpool = nn.AdaptiveAvgPool2d(pooled)
        hidden = 4096
        self.classifier = nn.Sequential(
            nn.Linear(512 * pooled * pooled, hidden), make_activation(activation, **options),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden), make_activation(activation, **options), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


def head_for(input_size: int | None, head: str | None) -> str:
    """``cifar`` for inputs up to 64 px (and by default), ``imagenet`` above."""
    if head is not None:
        if head not in ("cifar", "imagenet"):
            raise Ann2SnnError(f"head/stem must be 'cifar' or 'imagenet', got {head!r}")
        return head
    return "imagenet" if input_size is not None and input_size > 64 else "cifar"


@register_model(input_shape=(3, 32, 32), num_classes=10)
def vgg16(num_classes: int = 10, activation: str = "relu", in_channels: int = 3,
          input_size: int | None = None, head: str | None = None, dropout: float = 0.5,
          **options) -> VGG:
    """VGG-16 (BN, average pooling); ``head`` cifar/imagenet, chosen from ``input_size``."""
    return VGG(CFG16, num_classes, activation, in_channels, head_for(input_size, head), dropout,
               **options)
