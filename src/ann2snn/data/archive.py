"""Reading tar archives completely: a corrupt compressed stream can still list its members
and yield wrong bytes; only reading to its end checks its CRC."""

from __future__ import annotations

import tarfile


def read_to_end(tar: tarfile.TarFile) -> None:
    """Read what is left of ``tar``'s stream, so that a corrupt one raises (``OSError``,
    ``EOFError`` or ``zlib.error``) instead of passing unnoticed."""
    while tar.fileobj.read(1 << 20):
        pass
