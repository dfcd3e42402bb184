"""Load the network a command works on: from a checkpoint folder of ``ann2snn train`` (which
decides everything), or from a model name, weights and a normalisation the user gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

from ann2snn.ann.options import LAM, LEVELS
from ann2snn.data import (
    dataset_spec,
    input_shape_of,
    load_dataset,
    num_classes_of,
    parse_dataset_options,
)
from ann2snn.data.normalization import Normalization
from ann2snn.errors import Ann2SnnError
from ann2snn.models.checkpoint import (
    check_architecture,
    is_checkpoint,
    load_checkpoint,
    model_from_meta,
)
from ann2snn.models.normalize import resolve_normalization, with_normalization
from ann2snn.models.registry import create_model
from ann2snn.models.weights import load_state_checked, read_state_dict


@dataclass(frozen=True)
class LoadedNetwork:
    """The ANN (its normalisation as first layer) and what is known of it."""

    model: nn.Module
    name: str
    normalization: Normalization
    dataset: str | None
    data: str | None = None
    dataset_options: dict = field(default_factory=dict)
    checkpoint: str | None = None
    input_shape: tuple[int, ...] | None = None  # one sample, as the data gives it


def load_network(*, checkpoint: str | None = None, model: str | None = None,
                 weights: str | None = None, dataset: str | None = None, data: str | None = None,
                 dataset_options: dict | list[str] | None = None, normalize: str | None = None,
                 activation: str | None = None, levels: int | None = None) -> LoadedNetwork:
    """A checkpoint (``checkpoint=``, or ``weights=`` naming one) gives the model, its
    activation, normalisation and dataset; ``dataset``/``data``/``dataset_options`` given here
    override its dataset. Otherwise ``model`` and ``dataset`` are needed, and the
    normalisation comes from ``normalize`` or from known weights. Options that a checkpoint
    decides are refused rather than ignored."""
    if checkpoint is not None and weights is not None:
        raise Ann2SnnError("pass --checkpoint or --weights, not both")
    source = checkpoint or (weights if weights and is_checkpoint(weights) else None)
    if source is not None:
        given = [f"--{k}" for k, v in (("normalize", normalize), ("activation", activation),
                                       ("levels", levels)) if v is not None]
        if given:
            raise Ann2SnnError(f"{' and '.join(given)} would be ignored: the checkpoint {source} "
                               "records its activation, levels and normalisation; drop them")
        net, meta = load_checkpoint(source, model=model)
        norm = resolve_normalization(weights=source)
        name = dataset or meta.get("dataset")
        options = {**(meta["dataset_options"] if name == meta.get("dataset") else {}),
                   **(parse_dataset_options(name, dataset_options) if dataset_options else {})}
        if data is None and meta.get("data") and name == meta.get("dataset") \
                and not Path(meta["data"]).exists():
            raise Ann2SnnError(f"the data path {meta['data']} recorded in the checkpoint "
                               f"{source} does not exist (moved?); pass --data PATH")
        shape = meta.get("input_shape")
        shape = tuple(shape) if isinstance(shape, list) and all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape) else None
        return LoadedNetwork(with_normalization(net, norm), meta["model"], norm, name,
                             data or meta.get("data"), options, str(source), shape)
    if model is None or dataset is None:
        raise Ann2SnnError("pass --checkpoint DIR (from `ann2snn train`), or --model and --dataset")
    return _from_parts(model, weights, dataset, data,
                       parse_dataset_options(dataset, dataset_options or {}), normalize,
                       activation or "relu", levels)


def _from_parts(model, weights, dataset, data, dataset_options, normalize, activation,
                levels) -> LoadedNetwork:
    if levels is not None and activation != "qcfs":
        raise Ann2SnnError(f"--levels applies to --activation qcfs, not {activation}; drop it")
    if weights is not None and Path(weights).is_dir():
        read_state_dict(weights)  # the one message for a folder that is not a checkpoint
    spec = dataset_spec(dataset)
    probe = None
    if spec.num_classes is None or spec.input_shape is None:
        probe = load_dataset(dataset, data, "test", **dataset_options)
    shape = input_shape_of(dataset, probe)
    norm = resolve_normalization(normalize, weights=weights, what=f"these {model} weights")
    norm.check_channels(shape[0], f"dataset {dataset}")
    options = {"levels": levels or LEVELS.default} if activation == "qcfs" else {}
    net = create_model(model, num_classes=num_classes_of(dataset, probe), activation=activation,
                       in_channels=shape[0], input_size=shape[-1], **options)
    if weights:
        state = read_state_dict(weights)
        if activation != "relu" and not any(k.endswith(".lam") for k in state):
            raise Ann2SnnError(
                f"--activation {activation}: the weights {weights} hold no λ (a ReLU network's "
                f"weights), so every clip would be the untrained start {LAM.default}; evaluate "
                f"them with --activation relu, or fine-tune them into {activation} first "
                f"(ann2snn train --weights {weights} --activation {activation})")
        load_state_checked(net, state, Path(weights).name)
    return LoadedNetwork(with_normalization(net, norm), model, norm, dataset, data,
                         dict(dataset_options), input_shape=tuple(shape))


def model_from_architecture(record, what: str, trusted: str | None = None) -> nn.Module:
    """The untrained model an architecture record (:func:`architecture_of`) describes, with
    its input normalisation: checked field by field; a factory path is imported only when
    ``trusted`` (what the user typed) names it."""
    record = check_architecture(record, what)  # the normalisation record included
    norm = Normalization.from_dict(record["normalization"], what)
    return with_normalization(model_from_meta(record, trusted, what), norm)
