"""A small CNN for MNIST-size and 8x8 inputs (the demo's network)."""

from __future__ import annotations

from torch import Tensor, nn

from ann2snn.ann.activations import make_activation
from ann2snn.models.registry import register_model


class SmallCNN(nn.Module):
    """conv-BN-act x3 with average pooling, then a linear classifier."""

    def __init__(self, num_classes: int, activation: str, in_channels: int, width: int,
                 **options):
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                    make_activation(activation, **options)]

        self.features = nn.Sequential(
            *block(in_channels, width), *block(width, 2 * width), nn.AvgPool2d(2),
            *block(2 * width, 4 * width), nn.AdaptiveAvgPool2d(2),
        )
        self.classifier = nn.Linear(16 * width, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x).flatten(1))


@register_model(input_shape=(1, 8, 8), num_classes=10)
def small_cnn(num_classes: int = 10, activation: str = "relu", in_channels: int = 1,
              width: int = 16, **options) -> SmallCNN:
    """Three conv layers (width, 2·width, 4·width channels) and a linear head."""
    return SmallCNN(num_classes, activation, in_channels, width, **options)
