"""The device a command runs on, checked where it enters."""

from __future__ import annotations

import os

import torch

from ann2snn.allocator import held_free_bytes
from ann2snn.errors import Ann2SnnError


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def parse_device(device: str | torch.device) -> torch.device:
    """``cpu``, ``cuda`` or ``cuda:N``, refused with the reason if unusable here."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise Ann2SnnError(f"unknown device {device!r}; use cpu, cuda or cuda:N") from None
    if dev.type not in ("cpu", "cuda"):
        raise Ann2SnnError(f"device {device!r} is not supported; use cpu, cuda or cuda:N")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise Ann2SnnError(f"device {device!r}: CUDA is not available here (a CPU build of "
                               "torch, or no GPU); use --device cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise Ann2SnnError(f"device {device!r}: only {torch.cuda.device_count()} GPU(s)")
    return dev


def available_bytes(device: torch.device | str) -> int | None:
    """Free memory of ``device`` (CUDA: free GPU memory; CPU: MemAvailable, plus what the
    process holds free for reuse: allocator.py), None if unknown."""
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    free = _system_available()
    return None if free is None else free + held_free_bytes()


def _system_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
