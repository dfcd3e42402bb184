"""Output files: checked before any work starts, written atomically (temporary file + rename),
so that a full disk or an interruption never leaves a partial file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ann2snn.errors import Ann2SnnError


def _check_parent(path: Path, what: str) -> None:
    """Create the missing folders above ``path``, or say why they cannot be."""
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise Ann2SnnError(f"{what} {path} is under {ancestor}, which is a file, not a "
                                   "folder; choose another path")
            if not os.access(ancestor, os.W_OK):
                raise Ann2SnnError(f"{what} {path}: cannot write in {ancestor} (permission "
                                   "denied); choose another path")
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Ann2SnnError(f"{what} {path}: cannot create its folder ({exc.strerror})") from None


def check_output_file(path: str | Path, what: str = "output file") -> Path:
    """A file path that can be written (its folder is created if missing)."""
    path = Path(path)
    if path.is_dir():
        raise Ann2SnnError(f"{what} {path} is a folder; give a file name, e.g. {path}/out.json")
    _check_parent(path, what)
    return path


def check_output_dir(path: str | Path, what: str = "output folder") -> Path:
    """A folder that can be written into (created if missing)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise Ann2SnnError(f"{what} {path} is a file, not a folder; choose another path")
    _check_parent(path / "_", what)
    return path


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> None:
    """``write(tmp)`` then rename ``tmp`` to ``path``; on any failure nothing is left."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise Ann2SnnError(f"cannot write {path}: {exc.strerror or exc}; nothing was "
                               "written") from None
        raise


def write_json(obj: Any, path: str | Path) -> None:
    """Write ``obj`` as JSON to ``path``, atomically (non-finite numbers are refused)."""
    path = check_output_file(path, "JSON output")
    try:
        text = json.dumps(obj, indent=2, allow_nan=False) + "\n"
    except ValueError:
        raise Ann2SnnError(f"refusing to write {path}: the report holds NaN or infinity") from None
    atomic_write(path, lambda p: p.write_text(text))
