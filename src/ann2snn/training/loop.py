"""The training loop's pieces: SGD with momentum, a cosine schedule, one epoch, accuracy.

:func:`fit` is the whole loop in memory; :mod:`ann2snn.training.trainer` adds checkpoints,
resuming, mixed precision and many processes around the same :func:`train_one_epoch`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from ann2snn.errors import Ann2SnnError

ExtraLoss = Callable[[nn.Module, Tensor, Tensor], Tensor]
#: ``(logits, labels, inputs) -> loss``: cross-entropy by default, distillation when asked
Criterion = Callable[[Tensor, Tensor, Tensor], Tensor]


def cross_entropy(logits: Tensor, labels: Tensor, _x: Tensor) -> Tensor:
    return nn.functional.cross_entropy(logits.float(), labels)


def to_layout(x: Tensor, layout: str) -> Tensor:
    """An image batch in the training layout (``channels_last`` applies to 4-D batches)."""
    if layout == "channels_last" and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    return x


@torch.no_grad()
def correct_and_total(model: nn.Module, data: Iterable, device: torch.device | str = "cpu",
                      layout: str = "contiguous") -> tuple[int, int]:
    """Correct top-1 predictions and samples over ``(x, y)`` batches."""
    model.eval()
    correct = total = 0
    for x, y in data:
        x = to_layout(x.to(device), layout)
        correct += int((model(x).argmax(-1) == y.to(device)).sum())
        total += int(y.shape[0])
    return correct, total


def accuracy(model: nn.Module, data: Iterable, device: torch.device | str = "cpu") -> float:
    """Top-1 accuracy of ``model`` over ``(x, y)`` batches, as a fraction."""
    correct, total = correct_and_total(model, data, device)
    return correct / max(total, 1)


def make_optimizer(model: nn.Module, lr: float, momentum: float = 0.9,
                   weight_decay: float = 5e-4, lambda_decay: float | None = None
                   ) -> torch.optim.SGD:
    """SGD with momentum; weight decay on every parameter, on the activations' λ
    ``lambda_decay`` (None: the same)."""
    lams = [p for n, p in model.named_parameters() if n.endswith(".lam")]
    rest = [p for n, p in model.named_parameters() if not n.endswith(".lam")]
    groups = [{"params": rest}] + ([{"params": lams, "weight_decay": weight_decay if
                                     lambda_decay is None else lambda_decay}] if lams else [])
    return torch.optim.SGD(groups, lr=lr, momentum=momentum, weight_decay=weight_decay)


def make_scheduler(opt: torch.optim.Optimizer, total_steps: int):
    """Cosine decay per step: ``lr_k = lr · (1 + cos(π k / K)) / 2``."""
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, total_steps))


def autocast_for(device: torch.device | str, enabled: bool):
    """Mixed precision on CUDA (bfloat16 where supported, else float16); nothing on CPU."""
    device = torch.device(device)
    if not enabled or device.type != "cuda":
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast("cuda", dtype=dtype)


def train_one_epoch(
    model: nn.Module,
    loader: Iterable,
    opt: torch.optim.Optimizer,
    sched,
    *,
    extra_loss: ExtraLoss | None = None,
    criterion: Criterion = cross_entropy,
    layout: str = "contiguous",
    device: torch.device | str = "cpu",
    amp: bool = False,
    scaler: torch.amp.GradScaler | None = None,
    on_step: Callable[[int, float, float], bool | None] | None = None,
    start: tuple[float, int, int] | None = None,
    where: str = "training",
) -> dict:
    """One pass over ``loader``: ``criterion(logits, y, x)`` (cross-entropy unless given) +
    ``extra_loss(model, x, logits)``, a step of ``opt`` and ``sched`` per batch, images in
    ``layout``. Returns the mean loss, the training accuracy and their
    ``sums`` (loss·n, correct, n; ``start`` continues a part-done epoch's).
    ``on_step(step, loss, accuracy)`` is called after every step; if it returns True the
    epoch stops there. A loss that is not finite stops training with an error naming the
    step (``where`` says which epoch), before the step is applied."""
    model.train()
    loss_sum, correct, total = start or (0.0, 0, 0)
    for step, (x, y) in enumerate(loader):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        x = to_layout(x, layout)
        with autocast_for(device, amp):
            logits = model(x)
            loss = criterion(logits, y, x)
            if extra_loss is not None:
                loss = loss + extra_loss(model, x, logits)
        if not bool(torch.isfinite(loss.detach())):
            raise Ann2SnnError(
                f"{where}: the training loss is {float(loss.detach())} at step {step + 1} (batch "
                f"{step + 1} of this epoch); training diverged or the data holds NaN/inf: lower "
                "the learning rate (--lr); the last finished epoch's checkpoint is kept")
        opt.zero_grad(set_to_none=True)
        if scaler is not None and scaler.is_enabled():
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        sched.step()
        n = int(y.shape[0])
        loss_sum += float(loss.detach()) * n
        correct += int((logits.detach().argmax(-1) == y).sum())
        total += n
        if on_step is not None and on_step(step, loss_sum / total, correct / total):
            break
    return {"loss": loss_sum / max(total, 1), "train_accuracy": correct / max(total, 1),
            "sums": (loss_sum, correct, total)}


def fit(
    model: nn.Module,
    train: DataLoader,
    *,
    epochs: int,
    lr: float = 0.05,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    extra_loss: ExtraLoss | None = None,
    device: torch.device | str = "cpu",
) -> nn.Module:
    """Train in memory for ``epochs`` (SGD, cosine decay per step); returns the model in eval
    mode. Weight decay applies to every parameter, the activations' λ included."""
    model.to(device)
    opt = make_optimizer(model, lr, momentum, weight_decay)
    sched = make_scheduler(opt, epochs * len(train))
    for _ in range(epochs):
        train_one_epoch(model, train, opt, sched, extra_loss=extra_loss, device=device)
    return model.eval()
