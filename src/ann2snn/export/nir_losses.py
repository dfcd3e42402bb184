"""What an exact NIR export of a spiking network would lose (docs/methods.md#nir)."""

from __future__ import annotations

from ann2snn.errors import Ann2SnnError
from ann2snn.snn.if_neuron import IFNeuron
from ann2snn.snn.network import SpikingNetwork


class NotExact(Ann2SnnError):
    """The network has parts NIR cannot express exactly."""


#: what the native NIR IF of a lossy export loses on every layer
LOSSY_IF = "reset to 0 instead of subtracting θ, v0 dropped (NIR IF starts at 0), > for >="


def losses(snn: SpikingNetwork) -> list[str]:
    """What an exact export of ``snn`` would lose; empty when it is exact."""
    found = []
    for name, n in snn.neurons():
        if n.coding != "rate":
            found.append(f"{name}: differential coding has no NIR form (refused even lossy)")
        elif not isinstance(n, IFNeuron):
            kind = f"{n.label} neurons{' (two-phase)' if n.two_phase else ''}"
            found.append(f"{name}: {kind} have no NIR form")
        elif n.step_bias is not None:
            found.append(f"{name}: FTBC's per-step biases have no NIR form")
        elif n.permute is not None:
            found.append(f"{name}: permutation of spike trains has no NIR form")
        elif bool(n.bias.ne(0).any()):
            found.append(f"{name}: a constant neuron bias (rts, mse-shift, snnc-light) would round "
                         "differently folded into the layer before")
    return found


def grouped(lost: list[str], shown: int = 3) -> list[str]:
    """``name: reason`` lines as one line per reason: ``reason (19 layers: a, b, c, ...)``."""
    by_reason: dict[str, list[str]] = {}
    for line in lost:
        name, _, reason = line.partition(": ")
        by_reason.setdefault(reason, []).append(name)
    out = []
    for reason, names in by_reason.items():
        listed = ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")
        count = f"{len(names)} layers: " if len(names) > 1 else ""
        out.append(f"{reason} ({count}{listed})")
    return out
