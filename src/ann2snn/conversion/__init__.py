"""The conversion pipeline (trace, canonicalise, check, fold, observe, replace, calibrate):
:func:`ann2snn.conversion.converter.convert` runs it; each step is a module of its own."""
