"""Forward-only calibration after thresholds: SNNC (bias, potential) and FTBC.

Each pass is layer-local: per batch, the ANN's activations are recorded once, the SNN runs
once, and each spiking layer is updated from its own input currents just before it runs,
so later layers see the outputs of already-calibrated ones.
"""

from ann2snn.calibration import ftbc as _ftbc  # noqa: F401  (registers)
from ann2snn.calibration import snnc as _snnc  # noqa: F401  (registers)
from ann2snn.calibration.layerwise import layerwise_pass

__all__ = ["layerwise_pass"]
