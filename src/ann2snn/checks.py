"""Input checks shared by conversion and evaluation: each names what is wrong in one line."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from ann2snn.errors import Ann2SnnError, WeightsError
from ann2snn.options import boolean


def forward_checked(fn: Callable[[Tensor], Tensor], x: Tensor, what: str = "the network") -> Tensor:
    """``fn(x)``, turning a shape mismatch deep inside into one line about the input."""
    try:
        return fn(x)
    except torch.OutOfMemoryError:
        raise Ann2SnnError(f"out of memory running {what} on a batch of shape {list(x.shape)}; "
                           "lower the batch size (--batch-size) or T") from None
    except (RuntimeError, ValueError, IndexError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Ann2SnnError(
            f"input of shape {list(x.shape)} does not fit {what} ({first[:200]}); check the "
            "dataset, the model's input channels/size and the batch layout [B, C, H, W]"
        ) from None


def first_non_finite(tensors: dict[str, Tensor]) -> str | None:
    """The name of the first tensor holding NaN or infinity (floating tensors only)."""
    for name, t in tensors.items():
        if isinstance(t, Tensor) and t.is_floating_point() and not bool(torch.isfinite(t).all()):
            return name
    return None


def check_finite_module(module: nn.Module, what: str) -> None:
    """Refuse a network whose parameters or buffers hold NaN or infinity, naming the first."""
    bad = first_non_finite(dict(module.state_dict(keep_vars=False)))
    if bad is not None:
        raise WeightsError(f"{what} has NaN or infinite values in {bad!r}; the weights are "
                           "corrupt or training diverged: use another checkpoint")


def check_finite_output(out: Tensor, where: str) -> None:
    """Refuse NaN/inf produced by a network from finite inputs, saying where."""
    if not bool(torch.isfinite(out).all()):
        raise Ann2SnnError(f"{where} produced NaN or infinite values from finite inputs; the "
                           "weights overflow (check them, or the input normalisation)")


def check_flag(value, name: str) -> bool:
    """A boolean option: ``True`` or ``False`` only (a string "false" is not one)."""
    return boolean(name, value)


def check_flags(**flags) -> None:
    """:func:`check_flag` on each keyword argument."""
    for name, value in flags.items():
        check_flag(value, name)


@torch.no_grad()
def check_accepts(model: nn.Module, shape: tuple[int, ...], what: str) -> None:
    """Refuse, before any work, a model that cannot take inputs of one sample's ``shape``
    (a user's factory that ignores ``in_channels``, say): one eval-mode pass on zeros."""
    was_training = model.training
    model.eval()
    try:
        forward_checked(model, torch.zeros(2, *shape), what)
    finally:
        model.train(was_training)
