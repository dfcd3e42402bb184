"""Save a converted network as safetensors (+ its recipe as metadata); load it onto the ANN.

The file holds every tensor of the spiking network (weights with BN folded, thresholds,
initial potentials, biases, FTBC's per-step biases) and the recipe as JSON. Loading
rebuilds the spiking graph from the same ANN architecture, without calibration data, and
loads the tensors: nothing is unpickled.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

import torch
from torch import nn

from ann2snn.conversion.converter import prepare_ann
from ann2snn.conversion.neurons import build_neuron
from ann2snn.conversion.replace import build_spiking_graph
from ann2snn.errors import WeightsError
from ann2snn.methods.recipe import Recipe
from ann2snn.snn.network import SpikingNetwork

FORMAT = "ann2snn.spiking-network/1"


def save_snn(snn: SpikingNetwork, path: str | Path) -> None:
    """Write ``snn`` to ``path`` (``.safetensors``)."""
    from safetensors.torch import save_file

    recipe: Recipe = snn.info["recipe"]
    meta = {"format": FORMAT, "recipe": asdict(recipe), "timesteps": snn.info.get("timesteps"),
            "maxpool_replaced": snn.info.get("maxpool_replaced", [])}
    state = {k: v.detach().cpu().contiguous().clone() for k, v in snn.state_dict().items()}
    save_file(state, str(path), metadata={"ann2snn": json.dumps(meta)})


def load_snn(path: str | Path, model: nn.Module) -> SpikingNetwork:
    """Rebuild the spiking network saved at ``path`` for the ANN architecture ``model``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"spiking network file {path} does not exist")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("ann2snn", "{}"))
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"cannot read {path}: not a complete safetensors file ({exc})") from None
    if meta.get("format") != FORMAT:
        raise WeightsError(f"{path} is not a spiking network saved by ann2snn.save_snn")
    known = {f.name for f in fields(Recipe)}
    raw = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["recipe"].items() if k in known}
    recipe = Recipe(**raw)
    steps = meta.get("timesteps")
    maxpool = "avg" if meta.get("maxpool_replaced") else "error"
    gm, sites, info = prepare_ann(model, maxpool)
    neurons = {}
    for site in sites:
        theta = torch.tensor(site.lam if site.lam is not None else 1.0)
        neurons[site.name] = build_neuron(recipe, site, theta, steps)
    snn = SpikingNetwork(build_spiking_graph(gm, neurons), recipe.name,
                         {**info, "origins": {s.name: s.origin for s in sites},
                          "timesteps": steps, "recipe": recipe})
    try:
        snn.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise WeightsError(f"{path} does not fit this architecture: {first}") from None
    snn.seed(recipe.seed)
    return snn
