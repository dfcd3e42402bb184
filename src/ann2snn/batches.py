"""One adapter from whatever a user passes as data to checked ``(x, y)`` batches.

Accepted: an iterable (a ``DataLoader``, a list, a generator) of tensors or of ``(x, y, ...)``
tuples. Every batch is checked where it enters: ``x`` a floating tensor with a batch
dimension and only finite values (NaN/inf are refused with the batch's index), ``y`` an
integer tensor of one label per sample when labels are needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import torch
from torch import Tensor

from ann2snn.errors import DataError

Batch = tuple[Tensor, "Tensor | None"]


def check_iterable(data, what: str) -> None:
    """Refuse a bare tensor or a non-iterable where batches are expected."""
    if isinstance(data, Tensor) or not isinstance(data, Iterable):
        raise DataError(f"{what} must be an iterable of batches (a DataLoader or a list of "
                        f"tensors or (x, y) pairs), got {type(data).__name__}")


def as_batch(item, index: int, what: str, *, labels: bool = False) -> Batch:
    """``item`` (a tensor or ``(x, y, ...)``) -> checked ``(x, y or None)``."""
    x, y = (item[0], item[1] if len(item) > 1 else None) if isinstance(item, (tuple, list)) \
        and item else (item, None)
    if not isinstance(x, Tensor) or not x.is_floating_point() or x.dim() < 2:
        got = f"a {x.dtype} tensor of shape {list(x.shape)}" if isinstance(x, Tensor) \
            else type(x).__name__
        raise DataError(f"{what}: batch {index} must hold a floating-point tensor [B, ...] of "
                        f"inputs, got {got}")
    if not bool(torch.isfinite(x).all()):
        bad = "NaN" if bool(torch.isnan(x).any()) else "infinite"
        raise DataError(f"{what}: batch {index} has {bad} input values; clean or re-create the "
                        "data (inputs must be finite)")
    if y is not None and not isinstance(y, Tensor):
        y = torch.as_tensor(y)
    if labels and (y is None or y.dim() != 1 or y.shape[0] != x.shape[0]
                   or y.is_floating_point()):
        raise DataError(f"{what}: batch {index} must be an (inputs, labels) pair with one "
                        f"integer label per sample; got {'no labels' if y is None else list(y.shape)}")
    return x, y


def iterate_batches(data, what: str, *, max_batches: int | None = None, labels: bool = False,
                    device=None) -> Iterator[Batch]:
    """Checked ``(x, y)`` batches of ``data`` (at most ``max_batches``), moved to ``device``."""
    check_iterable(data, what)
    count = 0
    for item in data:
        if max_batches is not None and count >= max_batches:
            return
        x, y = as_batch(item, count, what, labels=labels)
        count += 1
        yield (x, y) if device is None else (x.to(device), None if y is None else y.to(device))
    if count == 0:
        raise DataError(f"{what} is empty; pass a non-empty DataLoader or list of batches")


def replayed(data, seed: int = 0) -> ReplayBatches | None:
    """``data`` as :class:`ReplayBatches` (itself if it already is one; None stays None)."""
    if data is None or isinstance(data, ReplayBatches):
        return data
    return ReplayBatches(data, seed=seed)


class ReplayBatches:
    """Batches taken once from ``data`` and replayed on every later pass.

    The source is read lazily: a pass that needs more batches than were taken so far reads
    on. The source's own shuffling is drawn under the fixed ``seed`` (the caller's global
    random state is left untouched), so two evaluations with the same shuffled loader
    calibrate on the same batches, and every ``T`` of one evaluation on the same ones.
    """

    def __init__(self, data, what: str = "calibration data", seed: int = 0):
        check_iterable(data, what)
        self.data, self.what, self.seed = data, what, seed
        self.taken: list = []
        self._source: Iterator | None = None
        self._done = False

    def _next(self):
        if self._source is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                self._source = iter(self.data)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed + len(self.taken) + 1)
            return next(self._source)

    def __iter__(self):
        index = 0
        while True:
            if index < len(self.taken):
                yield self.taken[index]
            elif self._done:
                return
            else:
                try:
                    self.taken.append(self._next())
                except StopIteration:
                    self._done = True
                    return
                yield self.taken[index]
            index += 1


def fresh_batches(data, *, skip: int, seed: int) -> Iterator:
    """Endless new batches of ``data`` beyond its first ``skip`` (held out), for methods that
    want fresh data every iteration.

    A source with a ``fresh(skip, salt)`` method (:class:`ann2snn.data.SeededBatches`) gives
    new shuffles (augmented, if its set is) without the held-out images. Any other iterable
    is read again pass after pass, each pass under its own seed (a shuffled ``DataLoader``
    reshuffles, random transforms redraw; a list repeats), its first ``skip`` batches left out.
    """
    source = data.data if isinstance(data, ReplayBatches) else data
    if hasattr(source, "fresh"):
        yield from source.fresh(skip, seed)
        return
    end = object()
    for p in itertools.count(1):
        items, index = None, 0
        while True:  # every draw under its own seed, the caller's random state untouched
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed((seed * 1_000_003 + p) * 1_000_033 + index)
                items = iter(source) if items is None else items
                item = next(items, end)
            if item is end:
                break
            if index >= skip:
                yield item
            index += 1
        if index <= skip:
            raise DataError(f"calibration data has {index} batch(es), all held out "
                            f"(holdout={skip}); pass more batches or lower holdout")
