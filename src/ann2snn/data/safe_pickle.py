"""A restricted unpickler for the official CIFAR python batches.

The official files are protocol-2 pickles of dicts of bytes, lists of ints and numpy
``uint8`` arrays. Only the globals needed to rebuild such arrays are allowed; anything
else (``os.system``, ``builtins.eval``, ...) is refused before it can run.
"""

from __future__ import annotations

import io
import pickle

import numpy as np

try:  # numpy >= 2 moved numpy.core to numpy._core
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): __import__("_codecs").encode,
}


class UnsafePickleError(pickle.UnpicklingError):
    pass


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(f"refused global {module}.{name}") from None


def safe_load(data: bytes):
    """Unpickle ``data`` allowing only numpy arrays, dtypes and plain containers."""
    return _RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
