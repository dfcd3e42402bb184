"""Augmentation and preprocessing in plain torch, on ``[C, H, W]`` float tensors in [0, 1].

Random transforms take an optional ``torch.Generator`` (default: torch's global one);
training gives each sample its own, seeded from ``(seed, epoch, index)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

Transform = Callable[[Tensor], Tensor]


class Compose:
    def __init__(self, transforms: Sequence[Transform]):
        self.transforms = list(transforms)

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        for t in self.transforms:
            x = t(x, generator) if getattr(t, "random", False) else t(x)
        return x

    def __repr__(self) -> str:
        return f"Compose({', '.join(type(t).__name__ for t in self.transforms)})"


class RandomCrop:
    """Zero-pad by ``padding`` on each side, then crop ``size`` at a uniform position."""

    random = True

    def __init__(self, size: int, padding: int = 0):
        self.size, self.padding = size, padding

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if self.padding:
            x = F.pad(x, (self.padding,) * 4)
        h, w = x.shape[-2:]
        i = int(torch.randint(0, h - self.size + 1, (), generator=generator))
        j = int(torch.randint(0, w - self.size + 1, (), generator=generator))
        return x[..., i:i + self.size, j:j + self.size]


class RandomHorizontalFlip:
    random = True

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return x.flip(-1) if float(torch.rand((), generator=generator)) < self.p else x


def resize(x: Tensor, size: int | tuple[int, int]) -> Tensor:
    """Bilinear, antialiased resize; an ``int`` sets the shorter side (aspect kept)."""
    h, w = x.shape[-2:]
    if isinstance(size, int):
        short = min(h, w)
        size = (max(1, round(h * size / short)), max(1, round(w * size / short)))
    if tuple(size) == (h, w):
        return x
    return F.interpolate(x.unsqueeze(0), size=size, mode="bilinear", antialias=True,
                         align_corners=False).squeeze(0)


class Resize:
    def __init__(self, size: int | tuple[int, int]):
        self.size = size

    def __call__(self, x: Tensor) -> Tensor:
        return resize(x, self.size)


class CenterCrop:
    def __init__(self, size: int):
        self.size = size

    def __call__(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        i, j = max(0, (h - self.size) // 2), max(0, (w - self.size) // 2)
        return x[..., i:i + self.size, j:j + self.size]


class RandomResizedCrop:
    """Crop a random area fraction in ``scale`` with aspect ratio in ``ratio`` (log-uniform),
    resized to ``size``; falls back to a centre crop after 10 tries (Szegedy et al. 2015)."""

    random = True

    def __init__(self, size: int, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
        self.size, self.scale, self.ratio = size, scale, ratio

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        h, w = x.shape[-2:]
        area = h * w
        log_r = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * float(torch.empty(()).uniform_(*self.scale, generator=generator))
            aspect = math.exp(float(torch.empty(()).uniform_(*log_r, generator=generator)))
            cw, ch = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
            if 0 < cw <= w and 0 < ch <= h:
                i = int(torch.randint(0, h - ch + 1, (), generator=generator))
                j = int(torch.randint(0, w - cw + 1, (), generator=generator))
                return resize(x[..., i:i + ch, j:j + cw], (self.size, self.size))
        return resize(CenterCrop(min(h, w))(x), (self.size, self.size))
