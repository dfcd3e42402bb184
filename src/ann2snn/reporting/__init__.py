"""Reports read back and drawn: ``ann2snn report``."""
