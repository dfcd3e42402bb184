"""Many processes (``torchrun``): process group from the environment, shards, sums.
Used by training and evaluation alike.

``torchrun`` sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; the backend is nccl on GPUs
and gloo on CPUs. Evaluation shards the test set without padding (``i ≡ rank mod world``) and
sums counts, so its result equals a single process's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Processes:
    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup(device: str | torch.device) -> Processes:
    """Join the process group ``torchrun`` describes (if any); the device this process uses."""
    device = torch.device(device)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Processes(device=device)
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Processes(dist.get_rank(), dist.get_world_size(), device)


def teardown(procs: Processes, clean: bool = True) -> None:
    """Leave the process group. After a clean run, a barrier first: a process that destroys
    its group while a peer is still inside a collective aborts at exit (gloo: "terminate
    called without an active exception", one run in three here without it). After an error
    (``clean=False``) no barrier: the peers may never reach it."""
    if procs.active and dist.is_initialized():
        if clean:
            dist.barrier()
        dist.destroy_process_group()


def shard(n: int, procs: Processes) -> list[int]:
    """This process's indices of ``range(n)``: ``rank, rank + world, ...`` (no padding)."""
    return list(range(procs.rank, n, procs.world))


def all_sum(values: list[float], procs: Processes) -> list[float]:
    """Element-wise sum over processes (identity for one process)."""
    if not procs.active:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64,
                     device=procs.device if procs.device.type == "cuda" else "cpu")
    dist.all_reduce(t)
    return t.tolist()


def any_true(flag: bool, procs: Processes) -> bool:
    """True on every process if it is true on one (to stop all of them at the same step)."""
    return bool(all_sum([float(flag)], procs)[0]) if procs.active else flag


def broadcast_module(module: torch.nn.Module, procs: Processes) -> None:
    """Every process takes rank 0's parameters and buffers (e.g. a calibrated conversion)."""
    if procs.active:
        for tensor in module.state_dict().values():
            dist.broadcast(tensor, src=0)


def barrier(procs: Processes) -> None:
    if procs.active:
        dist.barrier()
