"""The conversion pipeline (trace, canonicalise, check, fold, observe, replace, calibrate)."""

from ann2snn.conversion.converter import CALIBRATIONS, convert, prepare_ann

__all__ = ["convert", "prepare_ann", "CALIBRATIONS"]
