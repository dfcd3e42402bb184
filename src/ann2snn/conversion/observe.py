"""Step 5: run the (BN-folded) ANN on calibration batches and observe its activations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import torch
from torch import Tensor, fx

from ann2snn.checks import forward_checked
from ann2snn.conversion.activations import SITE_PREFIX
from ann2snn.errors import Ann2SnnError


def batch_inputs(data: Iterable, limit: int | None = None) -> Iterator[Tensor]:
    """Inputs of a data source: tensors, ``(x, y)`` pairs, or a DataLoader of either."""
    count = 0
    for item in data:
        if limit is not None and count >= limit:
            return
        x = item[0] if isinstance(item, (tuple, list)) else item
        if not isinstance(x, Tensor):
            raise Ann2SnnError(f"calibration data must yield tensors or (x, y) pairs, got {type(x)}")
        count += 1
        yield x
    if count == 0:
        raise Ann2SnnError(
            "calibration data is empty; pass a non-empty DataLoader of training batches"
        )


@torch.no_grad()
def observe(
    gm: fx.GraphModule,
    data: Iterable,
    observers: dict[str, Callable[[Tensor], None]],
    *,
    limit: int | None = None,
    device: torch.device | str | None = None,
) -> int:
    """Call ``observers[site](activation)`` for every site and calibration batch.

    Returns the number of batches seen.
    """
    hooks = []
    for name, fn in observers.items():
        module = gm.get_submodule(f"{SITE_PREFIX}.{name}")
        hooks.append(module.register_forward_hook(lambda _m, _i, out, fn=fn: fn(out.detach())))
    batches = 0
    try:
        for x in batch_inputs(data, limit):
            x = x.to(device) if device is not None else x
            if batches == 0:
                forward_checked(gm, x)
            else:
                gm(x)
            batches += 1
    finally:
        for h in hooks:
            h.remove()
    return batches
