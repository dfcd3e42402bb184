"""Input checks shared by conversion and evaluation."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from ann2snn.errors import Ann2SnnError


def forward_checked(fn: Callable[[Tensor], Tensor], x: Tensor, what: str = "the network") -> Tensor:
    """``fn(x)``, turning a shape mismatch deep inside into one line about the input."""
    try:
        return fn(x)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Ann2SnnError(
            f"input of shape {list(x.shape)} does not fit {what} ({first[:200]}); check the "
            "dataset, the model's input channels/size and the batch layout [B, C, H, W]"
        ) from None
