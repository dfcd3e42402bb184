"""Step 5: run the (BN-folded) ANN on calibration batches and observe its activations."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, fx

from ann2snn.ann.sites import SITE_PREFIX
from ann2snn.batches import iterate_batches
from ann2snn.checks import forward_checked


@torch.no_grad()
def observe(
    gm: fx.GraphModule,
    data: Iterable,
    per_site: dict[str, Callable[[Tensor], None]],
    *,
    max_batches: int | None = None,
    device: torch.device | str | None = None,
) -> tuple[int, ...]:
    """Call ``per_site[site](activation)`` for every site and calibration batch (at most
    ``max_batches``); a callable whose ``observes`` is ``"input"`` gets the pre-activation.
    Returns the shape of one input sample."""
    hooks = []
    for name, fn in per_site.items():
        module = gm.get_submodule(f"{SITE_PREFIX}.{name}")
        wants_input = getattr(fn, "observes", "output") == "input"
        hooks.append(module.register_forward_hook(
            lambda _m, inp, out, fn=fn, wants_input=wants_input:
            fn((inp[0] if wants_input else out).detach())))
    shape: tuple[int, ...] = ()
    try:
        for x, _ in iterate_batches(data, "calibration data", max_batches=max_batches, device=device):
            if not shape:
                shape = tuple(x.shape[1:])
                forward_checked(gm, x)
            else:
                gm(x)
    finally:
        for h in hooks:
            h.remove()
    return shape
