"""Activation factory, so that models take their activation as a choice."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from ann2snn.ann.clip_relu import ClipReLU
from ann2snn.ann.options import LAM, LEVELS
from ann2snn.ann.qcfs import QCFS
from ann2snn.errors import OptionError
from ann2snn.registry import Registry

#: each activation's module, and (meta ``options``) the options it takes (ann/options.py)
ACTIVATIONS: Registry[Callable[..., nn.Module]] = Registry("activation")
ACTIVATIONS.add("relu", nn.ReLU, options=())
ACTIVATIONS.add("clip", ClipReLU, options=(LAM,))
ACTIVATIONS.add("qcfs", QCFS, options=(LEVELS, LAM))


def make_activation(name: str, **options) -> nn.Module:
    """A fresh activation module: ``relu``, ``clip`` (λ) or ``qcfs`` (levels, λ); an option
    the activation does not take is refused, each value checked."""
    factory, accepted = ACTIVATIONS.get(name), ACTIVATIONS.meta(name)["options"]
    declared = {o.name: o for o in accepted}
    unknown = sorted(set(options) - set(declared))
    if unknown:
        takes = f"takes only {', '.join(declared)}" if declared else "takes no option"
        raise OptionError(f"activation {name!r} {takes}: {', '.join(unknown)} would be ignored; "
                          "drop it, or choose the activation it belongs to (levels: qcfs)")
    return factory(**{k: declared[k].check(k, v) for k, v in options.items()})
