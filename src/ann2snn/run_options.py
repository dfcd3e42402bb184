"""The options of a run, declared once (docs/methods.md#options): the API checks its
arguments with these, and the command line's flags, argument types and help are read from
them."""

from __future__ import annotations

from ann2snn.options import (
    MAX_SEED,
    Option,
    comma_integers,
    integer,
    positive_integer,
    positive_integers,
)

#: T of one conversion (methods whose conversion depends on T)
TIMESTEPS = Option("timesteps", None, "time steps T", positive_integer, "--timesteps", "T")
#: the T values an evaluation sweeps
TIMESTEP_LIST = Option("timesteps", [1, 2, 4, 8, 16, 32], "comma-separated T values",
                       positive_integers("a list of positive integers such as [1, 2, 4]"),
                       "--timesteps", "T,T,..", parser=comma_integers)
CALIB_BATCHES = Option("calib_batches", None, "calibration batches to use", positive_integer,
                       "--calib-batches", "N")
LIMIT = Option("limit", None, "N evenly spaced test images only (every class of a "
               "class-sorted folder is represented)", positive_integer, "--limit", "N")
BATCH_SIZE = Option("batch_size", 128, "batch size", positive_integer, "--batch-size", "N")
EPOCHS = Option("epochs", 30, "training epochs", positive_integer, "--epochs", "N")
INPUT_SHAPE = Option("input_shape", None, "one input's shape, for a network converted without "
                     "data (qcfs)", positive_integers("a tuple of positive integers such as "
                                                      "(3, 32, 32)"), "--input-shape", "C,H,W",
                     parser=lambda text: tuple(comma_integers(text)))
#: a random seed, as every seed flag spells it
SEED = Option("seed", 0, "random seed", integer(0, MAX_SEED), "--seed", "SEED")
