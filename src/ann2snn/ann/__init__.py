"""ANN-side pieces: activations trained for conversion."""

from ann2snn.ann.activations import ACTIVATIONS, make_activation
from ann2snn.ann.bit_sparsity import BitSparsityRegularizer, bit_sparsity, popcount
from ann2snn.ann.clip_relu import ClipReLU
from ann2snn.ann.qcfs import QCFS

__all__ = ["ClipReLU", "QCFS", "make_activation", "ACTIVATIONS", "BitSparsityRegularizer",
           "bit_sparsity", "popcount"]
