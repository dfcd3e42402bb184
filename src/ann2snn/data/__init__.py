"""Datasets (a registry) and input normalisations."""

from ann2snn.data.normalization import NORMALIZATIONS, parse_normalization
from ann2snn.data.registry import (
           DatasetSpec,
           dataset_spec,
           list_datasets,
           load_dataset,
           register_dataset,
)

__all__ = ["load_dataset", "dataset_spec", "list_datasets", "register_dataset", "DatasetSpec",
           "NORMALIZATIONS", "parse_normalization"]
