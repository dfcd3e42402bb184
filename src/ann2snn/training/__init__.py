"""ANN training for conversion (a plain, seeded loop; the CLI builds on it)."""

from ann2snn.training.loop import accuracy, fit

__all__ = ["fit", "accuracy"]
