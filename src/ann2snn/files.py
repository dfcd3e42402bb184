"""Input files: what a path is, said plainly before anything reads it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ann2snn.errors import Ann2SnnError

_KINDS = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "folder"),
          (stat.S_ISCHR, "character device"), (stat.S_ISFIFO, "FIFO (named pipe)"),
          (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"))


def file_kind(path: str | Path) -> str | None:
    """``"file"``, ``"folder"``, ``"character device"``, ... of ``path`` (links followed), or
    None when nothing is there."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise Ann2SnnError(f"cannot look at {path}: {exc.strerror or exc}") from None
    return next((name for test, name in _KINDS if test(mode)), "special file")


def check_path(path, what: str) -> Path:
    """``path`` as a :class:`Path`, refusing anything that is not a path."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise Ann2SnnError(f"{what} must be a path (str or pathlib.Path), got {type(path).__name__}")
    text = os.fspath(path)
    if isinstance(text, bytes) or not text or "\0" in text:
        raise Ann2SnnError(f"{what} must be a non-empty path, got {path!r}")
    return Path(text)


def check_input_file(path, what: str, hint: str = "", max_bytes: int | None = None,
                     error: type[Ann2SnnError] = Ann2SnnError) -> Path:
    """A regular file that can be read, else one ``error`` line saying what ``path`` is
    instead (missing, a folder, a FIFO, a device, too large)."""
    try:
        return _readable(check_path(path, what), what, hint, max_bytes)
    except Ann2SnnError as exc:
        raise error(str(exc)) from None


def _readable(path: Path, what: str, hint: str, max_bytes: int | None) -> Path:
    kind = file_kind(path)
    hint = f"; {hint}" if hint else ""
    if kind is None:
        raise Ann2SnnError(f"{what} {path} does not exist{hint}")
    if kind != "file":
        raise Ann2SnnError(f"{what} {path} is a {kind}, not a regular file{hint}")
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise Ann2SnnError(f"{what} {path} is {path.stat().st_size / 2**20:.0f} MiB, over the "
                           f"{max_bytes / 2**20:.0f} MiB ann2snn reads for it")
    if not os.access(path, os.R_OK):
        raise Ann2SnnError(f"{what} {path} cannot be read (permission denied)")
    return path


def check_format(found, expected: str, where: str, redo: str, error: type[Ann2SnnError]) -> None:
    """Refuse a file whose ``format`` field is not ``expected`` (``family/version``): one of
    another version names both versions and how to redo it; anything else is foreign."""
    if found == expected:
        return
    from ann2snn import __version__

    family = expected.split("/")[0] + "/"
    if isinstance(found, str) and found.startswith(family):
        raise error(f"{where} is in format {found[:60]!r}; this ann2snn {__version__} reads "
                    f"{expected}: {redo} with this version")
    raise error(f"{where} is not {expected} data (its format field is {str(found)[:40]!r})")

