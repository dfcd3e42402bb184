"""Freed CPU memory kept for reuse (docs/methods.md#allocator).

glibc serves each allocation over 32 MiB with its own ``mmap`` and unmaps it on free, so every
large ``[T·B, ...]`` tensor of an all-steps pass (SNNC, TPP, a calibration of all T at once)
is faulted in page by page, the kernel zeroing each page: about 0.2 ms per MB here, as much as the
convolution that fills it. :func:`reuse_freed_memory` asks glibc (``mallopt``) to serve them
from its heap and to keep what is freed: ``M_MMAP_MAX = 0``, ``M_TRIM_THRESHOLD`` 2 GiB.
The process then holds its peak CPU memory until it exits; :func:`held_free_bytes` says how
much of it is free for reuse (the memory check counts it as available). The command line
calls it unless ``ANN2SNN_MALLOC=system``; in Python, call it yourself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_state = {"on": False}


@functools.cache
def _libc():
    """The C library, looked up once (``find_library`` may run ``ldconfig``: not per call)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") else None


def reuse_freed_memory() -> bool:
    """Keep freed CPU memory in the process for the next allocation (glibc only); True if
    set. ``ANN2SNN_MALLOC=system`` leaves the allocator alone."""
    if _state["on"]:
        return True
    if os.environ.get("ANN2SNN_MALLOC", "") == "system":
        return False
    libc = _libc()
    if libc is None:
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = libc.mallopt(_M_MMAP_MAX, 0) == 1
    ok = libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1) == 1 and ok
    _state["on"] = ok
    return ok


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def held_free_bytes() -> int:
    """Bytes the process holds free for reuse (glibc ``mallinfo2().fordblks``) while
    :func:`reuse_freed_memory` is on; 0 otherwise or where it cannot be read."""
    if not _state["on"]:
        return 0
    libc = _libc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return 0
    libc.mallinfo2.restype = _MallInfo2
    return int(libc.mallinfo2().fordblks)
