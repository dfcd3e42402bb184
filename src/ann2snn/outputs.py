"""Output files: checked before any work starts (nothing is created then), written atomically
(the whole content in memory, a temporary file, a rename), so that a full disk or an
interruption never leaves a partial file. A character device or a FIFO given as the output
(``--json /dev/stdout``) is written to directly, never renamed over; block devices and
sockets are refused."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ann2snn.errors import Ann2SnnError
from ann2snn.files import check_path, file_kind

#: existing outputs written in place rather than replaced
STREAMS = ("character device", "FIFO (named pipe)")


def _check_parent(path: Path, what: str) -> None:
    """The nearest existing folder above ``path`` must be a writable folder."""
    for ancestor in path.parents:
        kind = file_kind(ancestor)
        if kind is None:
            continue
        if kind != "folder":
            raise Ann2SnnError(f"{what} {path} is under {ancestor}, which is a {kind}, not a "
                               "folder; choose another path")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise Ann2SnnError(f"{what} {path}: cannot write in {ancestor} (permission "
                               "denied); choose another path")
        return


def check_output_file(path, what: str = "output file") -> Path:
    """A file path that can be written; nothing is created yet."""
    path = check_path(path, what)
    kind = file_kind(path)
    if kind == "folder":
        raise Ann2SnnError(f"{what} {path} is a folder; give a file name, e.g. {path}/out.json")
    if kind not in (None, "file", *STREAMS):
        raise Ann2SnnError(f"{what} {path} is a {kind}; ann2snn writes only files, character "
                           "devices and FIFOs: choose another path")
    if kind in STREAMS and not os.access(path, os.W_OK):
        raise Ann2SnnError(f"{what} {path}: permission denied")
    _check_parent(path, what)
    return path


def check_output_dir(path, what: str = "output folder") -> Path:
    """A folder that can be written into (created when written); nothing is created yet."""
    path = check_path(path, what)
    kind = file_kind(path)
    if kind not in (None, "folder"):
        raise Ann2SnnError(f"{what} {path} is a {kind}, not a folder; choose another path")
    _check_parent(path / "_", what)
    return path


def check_distinct(outputs: dict[str, Any]) -> None:
    """Refuse two outputs (``{flag: path}``, None for not given) that name the same file."""
    seen: dict[str, str] = {}
    for flag, path in outputs.items():
        if path is None:
            continue
        key = os.path.realpath(check_path(path, flag))
        if key in seen:
            raise Ann2SnnError(f"{seen[key]} and {flag} name the same file {path}: one would "
                               "overwrite the other; give two paths")
        seen[key] = flag


def write_bytes(path, data: bytes, what: str = "output file") -> None:
    """Write ``data`` to ``path``: straight into a character device or FIFO, else into a
    temporary file renamed onto ``path`` (its folders created); on failure nothing is left."""
    path = check_output_file(path, what)
    if file_kind(path) in STREAMS:
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise Ann2SnnError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise Ann2SnnError(f"cannot write {path}: {exc.strerror or exc}; nothing was "
                               "written") from None
        raise


def write_text(path, text: str, what: str = "output file") -> None:
    write_bytes(path, text.encode("utf-8"), what)


def write_json(obj: Any, path, what: str = "JSON output") -> None:
    """Write ``obj`` as JSON to ``path``, atomically (non-finite numbers are refused)."""
    try:
        text = json.dumps(obj, indent=2, allow_nan=False) + "\n"
    except ValueError:
        raise Ann2SnnError(f"refusing to write {path}: the report holds NaN or infinity") from None
    write_text(path, text, what)
