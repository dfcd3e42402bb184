"""Save a converted network as safetensors (+ its recipe as metadata); load it back alone.

The file holds every tensor of the spiking network (weights with BN folded, thresholds,
initial potentials, biases, FTBC's per-step biases) and, as JSON: the recipe (seed
included), ``T``, the input shape and the ANN's architecture (registered model name, classes,
activation, options, input normalisation) when ann2snn built the model. Loading rebuilds the
spiking graph from that architecture (or from the model the user gives) with the one
assembly step of :mod:`ann2snn.conversion.assemble`, without calibration data, and loads the
tensors: nothing is unpickled, every metadata field is checked, and a ``package.module:
function`` read from the file is imported only when the user names it again.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

from ann2snn.checks import check_finite_module
from ann2snn.conversion.assemble import ConversionRecord, assemble
from ann2snn.conversion.converter import PreparedANN, prepare_ann
from ann2snn.conversion.replace import NEURON_PREFIX
from ann2snn.errors import Ann2SnnError, WeightsError
from ann2snn.files import check_format, check_input_file, check_path
from ann2snn.methods.recipe import recipe_from_dict
from ann2snn.models.checkpoint import check_architecture
from ann2snn.models.factory import recorded_name
from ann2snn.models.loading import model_from_architecture
from ann2snn.outputs import check_output_file, write_bytes
from ann2snn.snn.network import SpikingNetwork

FORMAT = "ann2snn.spiking-network/1"
#: prefix of the ANN's activation tensors in the file (see :func:`load_ann`)
ANN_KEY = "ann."


def save_snn(snn: SpikingNetwork, path: str | Path) -> None:
    """Write ``snn`` to ``path`` (``.safetensors``), atomically."""
    from safetensors.torch import save

    if not isinstance(snn, SpikingNetwork):
        raise Ann2SnnError(f"save_snn needs a SpikingNetwork, got {type(snn).__name__}")
    path = check_output_file(path, "spiking network file")
    info: ConversionRecord = snn.info
    meta = {"format": FORMAT, "recipe": asdict(info.recipe), "timesteps": info.timesteps,
            "maxpool_replaced": info.maxpool_replaced,
            "input_shape": None if info.input_shape is None else list(info.input_shape),
            "architecture": info.architecture}
    state = {**snn.state_dict(), **{ANN_KEY + k: v for k, v in info.ann_activations.items()}}
    state = {k: v.detach().cpu().contiguous().clone() for k, v in state.items()}
    write_bytes(path, save(state, metadata={"ann2snn": json.dumps(meta)}), "spiking network file")


def _read(path: Path) -> tuple[dict, dict]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    check_input_file(path, "spiking network file", error=WeightsError)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("ann2snn", "{}"))
        if not isinstance(meta, dict) or not isinstance(meta.get("format"), str):
            raise WeightsError(f"{path} is not a spiking network saved by ann2snn.save_snn")
        check_format(meta["format"], FORMAT, str(path), "convert the network again", WeightsError)
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"cannot read {path}: not a complete safetensors file ({exc})") from None
    except RecursionError:
        raise WeightsError(f"{path}: damaged metadata (nested too deeply)") from None
    return meta, state


def _check_meta(meta: dict, path: Path) -> ConversionRecord:
    try:
        recipe = recipe_from_dict(meta.get("recipe"), str(path))
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
    architecture = meta.get("architecture")
    if architecture is not None:
        architecture = check_architecture(architecture, f"{path}: the architecture record")
    return ConversionRecord(recipe, steps, {}, replaced,
                            input_shape=None if shape is None else tuple(shape),
                            architecture=architecture)


def _model_for(record: ConversionRecord, model: nn.Module | str | None, path: Path) -> nn.Module:
    """The ANN structure to assemble onto: ``model`` as given, else the file's architecture
    (``model`` a name: the one the user trusts; it must be the file's)."""
    if isinstance(model, nn.Module):
        return model
    if model is not None and not isinstance(model, str):
        raise Ann2SnnError(f"load_snn: model must be an nn.Module or a model name, got "
                           f"{type(model).__name__}")
    arch = record.architecture
    if arch is None:
        raise WeightsError(f"{path} was converted from a model ann2snn did not build, so it does "
                           "not record its architecture: pass the ANN, load_snn(path, model); on "
                           "the command line, convert with `ann2snn convert --model NAME (or "
                           "package.module:function) --weights W --out FILE`, whose file records it")
    if model is not None and model != arch["model"]:
        raise WeightsError(f"{path} holds a conversion of {recorded_name(arch['model'])}, not "
                           f"{model!r}; drop the model name or pass the matching file")
    return model_from_architecture(arch, str(path), trusted=model)


def _prepared(path: str | Path, model) -> tuple[PreparedANN, ConversionRecord, dict]:
    """The file's record (the ANN's activation tensors included), the SNN's tensors, and the
    prepared ANN to assemble onto (``model``, else the recorded architecture)."""
    path = check_path(path, "spiking network file")
    meta, state = _read(path)
    record = _check_meta(meta, path)
    prep = prepare_ann(_model_for(record, model, path),
                       "avg" if record.maxpool_replaced else "error")
    record.origins, record.bn_folded = {s.name: s.origin for s in prep.sites}, prep.bn_folded
    record.ann_activations = {k[len(ANN_KEY):]: v for k, v in state.items() if k.startswith(ANN_KEY)}
    return prep, record, {k: v for k, v in state.items() if not k.startswith(ANN_KEY)}


def _load_state(module: nn.Module, state: dict, path: Path, what: str) -> None:
    try:
        module.load_state_dict(state)
    except (RuntimeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise WeightsError(f"{path} does not fit this architecture ({what}): {first}") from None
    check_finite_module(module, f"{what} {path}")


def load_snn(path: str | Path, model: nn.Module | str | None = None) -> SpikingNetwork:
    """Rebuild the spiking network saved at ``path``: on the architecture the file records
    (``model`` None, or its name to trust a ``package.module:function``), or on the ANN
    ``model`` given (needed when the file records no architecture)."""
    return load_converted(path, model)[1]


def load_ann(path: str | Path, model: nn.Module | str | None = None) -> nn.Module:
    """The ANN the network saved at ``path`` was converted from, as the conversion saw it
    (traced, BN folded): its weights and activations from the file, so that a saved network
    is evaluated against its ANN without the original object. ``model`` as in :func:`load_snn`."""
    return load_converted(path, model)[0]


def load_converted(path: str | Path, model: nn.Module | str | None = None
                   ) -> tuple[nn.Module, SpikingNetwork]:
    """``(ANN, SNN)`` of the file at ``path``, read and assembled once."""
    path = check_path(path, "spiking network file")
    prep, record, state = _prepared(path, model)
    thresholds = {s.name: torch.tensor(s.lam if s.lam is not None else 1.0) for s in prep.sites}
    snn = assemble(prep.gm, prep.sites, thresholds, record)  # a copy of the graph
    _load_state(snn, state, path, "spiking network")
    snn.seed(record.recipe.seed)
    neurons = f"net.{NEURON_PREFIX}."
    weights = {k[len("net."):]: v for k, v in state.items()
               if k.startswith("net.") and not k.startswith(neurons)}
    _load_state(prep.gm, {**weights, **record.ann_activations}, path, "ANN")
    return prep.gm.eval(), snn
