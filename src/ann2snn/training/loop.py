"""A small, deterministic training loop: SGD with momentum and a cosine schedule."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader


@torch.no_grad()
def accuracy(model: nn.Module, data: Iterable, device: torch.device | str = "cpu") -> float:
    """Top-1 accuracy of ``model`` over ``(x, y)`` batches, as a fraction."""
    model.eval()
    correct = total = 0
    for x, y in data:
        correct += int((model(x.to(device)).argmax(-1) == y.to(device)).sum())
        total += int(y.shape[0])
    return correct / max(total, 1)


def fit(
    model: nn.Module,
    train: DataLoader,
    *,
    epochs: int,
    lr: float = 0.05,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    extra_loss: Callable[[nn.Module, Tensor, Tensor], Tensor] | None = None,
    device: torch.device | str = "cpu",
) -> nn.Module:
    """Train with cross-entropy (+ ``extra_loss(model, x, logits)``), SGD and cosine decay.

    Weight decay applies to every parameter, the activations' λ included.
    """
    model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs * len(train)))
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        for x, y in train:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss = loss_fn(logits, y)
            if extra_loss is not None:
                loss = loss + extra_loss(model, x, logits)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()
