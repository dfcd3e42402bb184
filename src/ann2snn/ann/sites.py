"""How a prepared ANN names its activation sites: the contract between the conversion that
prepares it and the passes that read it (calibration, accounting)."""

from __future__ import annotations

from torch import fx, nn

#: every activation call site becomes the module ``acts.<site>`` of the prepared ANN
SITE_PREFIX = "acts"


def site_module(gm: fx.GraphModule, site: str) -> nn.Module:
    """The activation module of ``site`` in the prepared ANN ``gm``."""
    return gm.get_submodule(f"{SITE_PREFIX}.{site}")
