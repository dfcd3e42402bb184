"""Forward-only calibration after thresholds: SNNC (bias, potential) and FTBC.

Each pass is layer-local: per batch, the ANN's activations are recorded once, the SNN runs
once, and each spiking layer is updated from its own input currents just before it runs,
so later layers see the outputs of already-calibrated ones (docs/methods.md#calibration).
"""

from ann2snn.calibration import ftbc as _ftbc  # noqa: F401  (registers)
from ann2snn.calibration import snnc as _snnc  # noqa: F401  (registers)
from ann2snn.calibration.layerwise import layerwise_pass
from ann2snn.calibration.registry import (
    get_calibration,
    is_causal,
    list_calibrations,
    register_calibration,
)

__all__ = ["layerwise_pass", "get_calibration", "is_causal", "list_calibrations",
           "register_calibration"]
