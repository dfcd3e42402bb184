"""allocator.py: freed memory kept for reuse (glibc), and counted as available."""

import ctypes.util
import os
import subprocess
import sys

import pytest

import ann2snn.devices as devices

GLIBC = sys.platform.startswith("linux") and ctypes.util.find_library("c") is not None

PROBE = """
import torch
from ann2snn.allocator import held_free_bytes, reuse_freed_memory
on = reuse_freed_memory()
a = torch.empty(50_000_000)  # 200 MB: glibc would mmap and unmap it
a.fill_(1.0)
del a
print(on, held_free_bytes())
"""


def _probe(**env) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env={**os.environ, **env}, check=True).stdout.split()
    return out[0], int(out[1])


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_freed_memory_is_kept_for_reuse_unless_the_user_says_system():
    on, held = _probe(ANN2SNN_MALLOC="")
    assert on == "True" and held >= 200_000_000
    off, held = _probe(ANN2SNN_MALLOC="system")
    assert off == "False" and held == 0


def test_memory_held_free_counts_as_available(monkeypatch):
    monkeypatch.setattr(devices, "_system_available", lambda: 1000)
    monkeypatch.setattr(devices, "held_free_bytes", lambda: 234)
    assert devices.available_bytes("cpu") == 1234
    monkeypatch.setattr(devices, "_system_available", lambda: None)
    assert devices.available_bytes("cpu") is None
