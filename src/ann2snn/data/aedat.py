"""AEDAT 2.0 event files as recorded for CIFAR10-DVS (DVS128 sensor).

Layout: header lines starting with ``#`` (``#!AER-DAT2.0`` first), then one 8-byte record
per event: a big-endian ``uint32`` address and a big-endian ``uint32`` timestamp (µs).
Address bits: polarity ``addr & 1``, column ``(addr >> 1) & 0x7F``, row ``(addr >> 8) & 0x7F``.
As in SpikingJelly and jAER's ``dat2mat``, the sensor is mounted so that the image has
``x = 127 - row``, ``y = 127 - column`` and ``p = 1 - polarity``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ann2snn.errors import DataError

SENSOR = 128
HEADER = b"#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n"


def _header_length(raw: bytes) -> int:
    pos = 0
    while pos < len(raw) and raw[pos:pos + 1] == b"#":
        end = raw.find(b"\n", pos)
        if end < 0:
            return len(raw)
        pos = end + 1
    return pos


def read_aedat2(path: str | Path) -> dict[str, np.ndarray]:
    """Events of an AEDAT 2.0 file: ``t`` (µs), ``x``, ``y`` (0..127), ``p`` (0/1)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read event file {path}: {exc}") from None
    if not raw.startswith(b"#!AER-DAT2"):
        raise DataError(f"{path} is not an AEDAT 2.0 file (it must start with '#!AER-DAT2.0')")
    body = raw[_header_length(raw):]
    if len(body) % 8:
        raise DataError(f"{path} is truncated: {len(body)} bytes of events, not a multiple of 8")
    words = np.frombuffer(body, dtype=">u4")
    addr, t = words[0::2], words[1::2]
    col, row, pol = (addr >> 1) & 0x7F, (addr >> 8) & 0x7F, addr & 1
    return {"t": t.astype(np.int64), "x": (127 - row).astype(np.int64),
            "y": (127 - col).astype(np.int64), "p": (1 - pol).astype(np.int64)}


def write_aedat2(path: str | Path, t, x, y, p) -> None:
    """Write events in the official CIFAR10-DVS layout (the inverse of :func:`read_aedat2`)."""
    t, x, y, p = (np.asarray(v, dtype=np.int64) for v in (t, x, y, p))
    addr = ((127 - x) << 8) | ((127 - y) << 1) | (1 - p)
    words = np.empty(2 * len(t), dtype=">u4")
    words[0::2], words[1::2] = addr, t
    Path(path).write_bytes(HEADER + words.tobytes())


def events_to_frames(events: dict[str, np.ndarray], frames: int, size: int = SENSOR) -> np.ndarray:
    """Bin events into ``frames`` frames of equal event count, 2 polarity channels each:
    ``float32 [frames, 2, size, size]`` of event counts (``size`` divides 128; blocks of
    ``128/size`` pixels are summed)."""
    if SENSOR % size:
        raise DataError(f"frame size must divide {SENSOR}, got {size}")
    n = len(events["t"])
    if n == 0:
        return np.zeros((frames, 2, size, size), np.float32)
    order = np.argsort(events["t"], kind="stable")
    frame = (np.arange(n) * frames) // n
    k = SENSOR // size
    x, y, p = (events[c][order] for c in ("x", "y", "p"))
    flat = ((frame * 2 + p) * size + y // k) * size + x // k
    counts = np.bincount(flat, minlength=frames * 2 * size * size)
    return counts.astype(np.float32).reshape(frames, 2, size, size)
