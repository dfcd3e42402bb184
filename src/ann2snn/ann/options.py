"""The options of the ANN-side activations, declared once (docs/methods.md#activations)."""

from __future__ import annotations

from ann2snn.options import Option, integer, real

#: QCFS quantisation levels L
LEVELS = Option("levels", 4, "QCFS levels L", integer(1), "--levels", "L")
#: the clip λ a ClipReLU or QCFS starts from (a small start can drive it negative)
LAM = Option("lam", 8.0, "initial clip λ", real(0, strict=True))
