"""Datasets (a registry), augmentation in plain torch, and input normalisations."""

from ann2snn.data.normalization import NORMALIZATIONS, parse_normalization
from ann2snn.data.registry import (
    DatasetSpec,
    dataset_spec,
    input_shape_of,
    list_datasets,
    load_dataset,
    num_classes_of,
    parse_dataset_options,
    register_dataset,
)
from ann2snn.data.subset import SeededBatches, evenly_spaced

__all__ = ["load_dataset", "dataset_spec", "list_datasets", "register_dataset", "DatasetSpec",
           "num_classes_of", "input_shape_of", "parse_dataset_options", "evenly_spaced", "SeededBatches",
           "NORMALIZATIONS", "parse_normalization"]
