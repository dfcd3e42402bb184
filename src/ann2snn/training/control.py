"""The training loop's controls: which samples an epoch sees, and how Ctrl-C stops it."""

from __future__ import annotations

import signal
import sys

import torch
from torch.utils.data import Sampler

from ann2snn import distributed as D


class EpochSampler(Sampler[int]):
    """Epoch ``e``'s order: a permutation seeded with ``seed + e``, cut to a multiple of the
    number of processes; this process takes every ``world``-th index, from ``start`` on."""

    def __init__(self, n: int, procs: D.Processes, seed: int):
        self.n, self.procs, self.seed, self.epoch, self.start = n, procs, seed, 0, 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        self.epoch, self.start = epoch, start

    def per_process(self) -> int:
        return self.n // self.procs.world

    def __iter__(self):
        perm = torch.randperm(self.n, generator=torch.Generator().manual_seed(self.seed + self.epoch))
        mine = perm[: self.per_process() * self.procs.world][self.procs.rank:: self.procs.world]
        return iter(mine[self.start:].tolist())

    def __len__(self) -> int:
        return self.per_process() - self.start


class StopFlag:
    """Set by SIGINT (first Ctrl-C: stop after this step and save; second: abort)."""

    def __init__(self):
        self.set = False
        self._previous = None

    def __enter__(self):
        if sys.platform != "win32" and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, *_):
        if self.set:
            raise KeyboardInterrupt
        self.set = True
        print("\nann2snn: stopping after this step (Ctrl-C again to abort)", file=sys.stderr)

    def __exit__(self, *_):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
