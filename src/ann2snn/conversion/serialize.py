"""Save a converted network as safetensors (+ its recipe as metadata); load it onto the ANN.

The file holds every tensor of the spiking network (weights with BN folded, thresholds,
initial potentials, biases, FTBC's per-step biases) and the recipe as JSON. Loading
rebuilds the spiking graph from the same ANN architecture with the one assembly step of
:mod:`ann2snn.conversion.assemble`, without calibration data, and loads the tensors:
nothing is unpickled, and every metadata field is checked (nothing read is called).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from ann2snn.checks import check_finite_module
from ann2snn.conversion.assemble import ConversionRecord, assemble
from ann2snn.conversion.converter import prepare_ann
from ann2snn.errors import Ann2SnnError, WeightsError
from ann2snn.methods.recipe import recipe_from_record
from ann2snn.outputs import atomic_write, check_output_file
from ann2snn.snn.network import SpikingNetwork

FORMAT = "ann2snn.spiking-network/1"


def save_snn(snn: SpikingNetwork, path: str | Path) -> None:
    """Write ``snn`` to ``path`` (``.safetensors``), atomically."""
    from safetensors.torch import save_file

    if not isinstance(snn, SpikingNetwork):
        raise Ann2SnnError(f"save_snn needs a SpikingNetwork, got {type(snn).__name__}")
    path = check_output_file(path, "spiking network file")
    info: ConversionRecord = snn.info
    meta = {"format": FORMAT, "recipe": asdict(info.recipe), "timesteps": info.timesteps,
            "maxpool_replaced": info.maxpool_replaced,
            "input_shape": None if info.input_shape is None else list(info.input_shape)}
    state = {k: v.detach().cpu().contiguous().clone() for k, v in snn.state_dict().items()}
    atomic_write(path, lambda p: save_file(state, str(p), metadata={"ann2snn": json.dumps(meta)}))


def _read(path: Path) -> tuple[dict, dict]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    if not path.is_file():
        raise WeightsError(f"spiking network file {path} does not exist")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("ann2snn", "{}"))
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"cannot read {path}: not a complete safetensors file ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise WeightsError(f"{path} is not a spiking network saved by ann2snn.save_snn")
    return meta, state


def _check_meta(meta: dict, path: Path) -> ConversionRecord:
    try:
        recipe = recipe_from_record(meta.get("recipe"), str(path))
    except Ann2SnnError as exc:
        raise WeightsError(f"{path}: damaged metadata ({exc})") from None
    steps, shape = meta.get("timesteps"), meta.get("input_shape")
    replaced = meta.get("maxpool_replaced", [])
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps <= 0):
        raise WeightsError(f"{path}: damaged metadata (timesteps {steps!r})")
    if shape is not None and not (isinstance(shape, list) and all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)):
        raise WeightsError(f"{path}: damaged metadata (input_shape {shape!r})")
    if not isinstance(replaced, list) or not all(isinstance(n, str) for n in replaced):
        raise WeightsError(f"{path}: damaged metadata (maxpool_replaced)")
    return ConversionRecord(recipe, steps, {}, replaced,
                            input_shape=None if shape is None else tuple(shape))


def load_snn(path: str | Path, model: nn.Module) -> SpikingNetwork:
    """Rebuild the spiking network saved at ``path`` for the ANN architecture ``model``."""
    path = Path(path)
    meta, state = _read(path)
    record = _check_meta(meta, path)
    prep = prepare_ann(model, "avg" if record.maxpool_replaced else "error")
    record.origins, record.bn_folded = {s.name: s.origin for s in prep.sites}, prep.bn_folded
    thresholds = {s.name: torch.tensor(s.lam if s.lam is not None else 1.0) for s in prep.sites}
    snn = assemble(prep.gm, prep.sites, thresholds, record)
    try:
        snn.load_state_dict(state)
    except (RuntimeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise WeightsError(f"{path} does not fit this architecture: {first}") from None
    check_finite_module(snn, f"spiking network {path}")
    snn.seed(record.recipe.seed)
    return snn
