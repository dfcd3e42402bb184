"""Exports of converted networks to other tool chains (docs/methods.md#nir)."""

from __future__ import annotations

import io
from pathlib import Path

from ann2snn.checks import check_flag
from ann2snn.errors import Ann2SnnError
from ann2snn.export.nir_graph import export_graph
from ann2snn.export.nir_losses import NotExact, losses
from ann2snn.outputs import check_output_file, write_bytes
from ann2snn.snn.network import SpikingNetwork

#: export formats (the CLI's --format choices)
FORMATS = ("nir",)


def export_nir(snn: SpikingNetwork, path: str | Path,
               input_shape: tuple[int, ...] | None = None, lossy: bool = False) -> list[str]:
    """Write ``snn`` as a NIR graph (HDF5) to ``path``, atomically; returns what was lost
    (empty: exact). A network NIR cannot carry exactly is refused with what would be lost,
    and nothing is written, unless ``lossy`` (native NIR IF layers). ``input_shape`` (one
    sample, e.g. ``(3, 32, 32)``) is needed only when the network was converted without data."""
    try:
        import nir
    except ImportError:
        raise Ann2SnnError("NIR export needs the optional package nir: "
                           "pip install 'ann2snn[nir]' (nir>=1.0.8,<2)") from None
    if not isinstance(snn, SpikingNetwork):
        raise Ann2SnnError(f"export_nir needs a SpikingNetwork, got {type(snn).__name__}")
    check_flag(lossy, "lossy")
    path = check_output_file(path, "NIR file")
    graph, lost = export_graph(snn, input_shape, lossy=True) if lossy else (
        export_graph(snn, input_shape), [])
    buffer = io.BytesIO()  # HDF5 in memory: a full disk fails in our write, not in h5py's
    nir.write(buffer, graph)
    write_bytes(path, buffer.getvalue(), "NIR file")
    return lost


__all__ = ["FORMATS", "NotExact", "export_graph", "export_nir", "losses"]
