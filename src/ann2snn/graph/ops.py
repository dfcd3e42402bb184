"""The one table of graph operations ann2snn understands (docs/methods.md#graph-ops).

Every op of a traced network is looked up here. Its entry says what role it plays; the
support check (``conversion/support.py``), the replacement (``conversion/replace.py``), the
fan-out count (``costs/fanout.py``) and the NIR export (``export/nir_graph.py``) read that
role and nothing else, so a new op is one line here. Roles:

- ``synapse``: weights (conv, linear); a spike reaching it costs one synaptic op per weight;
- ``affine``: a BatchNorm of running statistics (folded where it follows a synapse);
- ``pool``: a window average; a spike passing it costs an accumulate per window;
- ``reduce``: a mean or sum over non-batch dims (costed like pooling);
- ``add``: the sum or difference of two signals, time-aligned in the SNN (costed per add);
- ``concat``: a concatenation off the batch dim, time-aligned in the SNN;
- ``scale``: a product with a constant (two signals: refused);
- ``shape``: a reshape, index, pad or cast: values move, none is computed;
- ``identity``: the identity;
- ``dropout``: dropout, an identity in eval mode, removed from the SNN;
- ``resample``: linear resampling (upsampling, interpolation);
- ``max_pool``: refused (no exact spiking form) unless ``maxpool="avg"``;
- ``batch_stats``: statistics of the batch itself, refused.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from ann2snn.snn.time import time_add, time_cat, time_sub

ROLES = ("synapse", "affine", "pool", "reduce", "add", "concat", "scale", "shape", "identity",
         "dropout", "resample", "max_pool", "batch_stats")


@dataclass(frozen=True)
class Op:
    """One op: its ``role``; ``time_form``, what it becomes where two signals meet in the
    SNN; ``nir``, the name of its NIR encoding (None: none); ``avg_form``, max pooling's
    average-pooling counterpart."""

    role: str
    time_form: Callable | None = None
    nir: str | None = None
    avg_form: Any = None


def _entries(keys, op: Op) -> dict:
    return dict.fromkeys(keys, op)


MODULES: dict[type[nn.Module], Op] = {
    **_entries((nn.Conv1d, nn.Conv3d), Op("synapse")),
    nn.Conv2d: Op("synapse", nir="conv2d"),
    nn.Linear: Op("synapse", nir="affine"),
    nn.modules.batchnorm._BatchNorm: Op("affine"),
    **_entries((nn.AvgPool1d, nn.AvgPool3d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool3d),
               Op("pool")),
    **_entries((nn.AvgPool2d, nn.AdaptiveAvgPool2d), Op("pool", nir="avg_pool2d")),
    nn.Flatten: Op("shape", nir="flatten"),
    **_entries((nn.ZeroPad2d, nn.ConstantPad2d), Op("shape")),
    nn.Identity: Op("identity", nir="identity"),
    **_entries((nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d), Op("dropout")),
    nn.Upsample: Op("resample"),
    **{mx: Op("max_pool", avg_form=avg) for mx, avg in (
        (nn.MaxPool1d, nn.AvgPool1d), (nn.MaxPool2d, nn.AvgPool2d), (nn.MaxPool3d, nn.AvgPool3d),
        (nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d), (nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool2d),
        (nn.AdaptiveMaxPool3d, nn.AdaptiveAvgPool3d))},
}

_ADD = Op("add", time_form=time_add, nir="sum")
_SUB = Op("add", time_form=time_sub, nir="input_normalization")
_SUM_OR_MEAN = Op("reduce")

FUNCTIONS: dict[Callable, Op] = {
    **_entries((F.conv1d, F.conv2d, F.conv3d, F.linear), Op("synapse")),
    **_entries((F.avg_pool1d, F.avg_pool2d, F.avg_pool3d, F.adaptive_avg_pool1d,
                F.adaptive_avg_pool2d, F.adaptive_avg_pool3d), Op("pool")),
    **_entries((torch.mean, torch.sum), _SUM_OR_MEAN),
    **_entries((operator.add, torch.add, operator.iadd), _ADD),
    time_add: Op("add", nir="sum"),
    **_entries((operator.sub, torch.sub), _SUB),
    time_sub: Op("add"),
    torch.cat: Op("concat", time_form=time_cat),
    time_cat: Op("concat"),
    **_entries((operator.mul, torch.mul, torch.div, operator.neg), Op("scale")),
    operator.truediv: Op("scale", nir="input_normalization"),
    **_entries((getattr, torch.reshape), Op("shape")),
    torch.flatten: Op("shape", nir="flatten"),
    operator.getitem: Op("shape", nir="slice"),
    F.pad: Op("shape", nir="channel_pad"),
    F.dropout: Op("dropout"),
    F.interpolate: Op("resample"),
    **{mx: Op("max_pool", avg_form=avg) for mx, avg in (
        (F.max_pool1d, F.avg_pool1d), (F.max_pool2d, F.avg_pool2d), (F.max_pool3d, F.avg_pool3d),
        (torch.max_pool1d, F.avg_pool1d), (torch.max_pool2d, F.avg_pool2d),
        (torch.max_pool3d, F.avg_pool3d), (F.adaptive_max_pool1d, F.adaptive_avg_pool1d),
        (F.adaptive_max_pool2d, F.adaptive_avg_pool2d),
        (F.adaptive_max_pool3d, F.adaptive_avg_pool3d))},
    F.batch_norm: Op("batch_stats"),
}

#: tensor methods, by name
METHODS: dict[str, Op] = {
    **_entries(("view", "reshape", "size", "contiguous", "to", "float", "type_as", "dim"),
               Op("shape")),
    "flatten": Op("shape", nir="flatten"),
    **_entries(("add", "add_"), Op("add", time_form=time_add)),
    "sub": Op("add", time_form=time_sub),
    **_entries(("mean", "sum"), _SUM_OR_MEAN),
    **_entries(("mul", "div", "neg"), Op("scale")),
}


def module_op(module: nn.Module) -> Op | None:
    """The entry of a module's class or of its nearest listed base class."""
    for cls in type(module).__mro__:
        if cls in MODULES:
            return MODULES[cls]
    return None


def op_of(node: fx.Node, modules: dict[str, nn.Module]) -> Op | None:
    """The entry of ``node`` (None: not in the table, or not an op)."""
    if node.op == "call_module":
        return module_op(modules[node.target])
    if node.op == "call_function":
        return FUNCTIONS.get(node.target) if _hashable(node.target) else None
    if node.op == "call_method":
        return METHODS.get(node.target)
    return None


def _hashable(target) -> bool:
    try:
        hash(target)
    except TypeError:
        return False
    return True


def signal_nodes(graph: fx.Graph) -> set[fx.Node]:
    """Nodes whose value depends on the network's input (the rest are constants)."""
    signals: set[fx.Node] = set()
    for node in graph.nodes:
        if node.op == "placeholder" or any(a in signals for a in node.all_input_nodes):
            signals.add(node)
    return signals


def signal_args(node: fx.Node, signals: set[fx.Node]) -> int:
    """How many of ``node``'s arguments are signals."""
    return sum(1 for a in (*node.args, *node.kwargs.values()) if a in signals)
