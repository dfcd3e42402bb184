"""ann2snn: low-latency conversion of trained PyTorch networks into spiking networks."""

__version__ = "0.1.0"  # the one source: pyproject.toml reads it (dynamic version)

from ann2snn.allocator import reuse_freed_memory  # noqa: E402
from ann2snn.ann import QCFS, BitSparsityRegularizer, ClipReLU, make_activation  # noqa: E402
from ann2snn.compare import compare  # noqa: E402
from ann2snn.conversion.converter import convert  # noqa: E402
from ann2snn.conversion.serialize import load_ann, load_snn, save_snn  # noqa: E402
from ann2snn.errors import (  # noqa: E402
    Ann2SnnError,
    ConversionError,
    DataError,
    MethodError,
    OptionError,
    WeightsError,
)
from ann2snn.evaluate import evaluate  # noqa: E402
from ann2snn.export import export_nir  # noqa: E402
from ann2snn.methods import Recipe, get_method, list_methods, register_method  # noqa: E402
from ann2snn.models import create_model, list_models  # noqa: E402
from ann2snn.snn import IFNeuron, SpikingNetwork  # noqa: E402

__all__ = [
    "__version__", "convert", "evaluate", "compare", "save_snn", "load_snn", "load_ann", "export_nir",
    "create_model", "list_models", "reuse_freed_memory",
    "ClipReLU", "QCFS", "make_activation", "BitSparsityRegularizer",
    "IFNeuron", "SpikingNetwork", "Recipe", "get_method", "list_methods", "register_method",
    "Ann2SnnError", "ConversionError", "DataError", "MethodError", "OptionError", "WeightsError",
]
