"""Model zoo (a registry), input normalisation and weight loading."""

from ann2snn.models import resnet_cifar as _resnet_cifar  # noqa: F401  (registers)
from ann2snn.models import resnet_imagenet as _resnet_imagenet  # noqa: F401  (registers)
from ann2snn.models import small_cnn as _small_cnn  # noqa: F401  (registers)
from ann2snn.models import vgg as _vgg  # noqa: F401  (registers)
from ann2snn.models.normalize import Normalize, NormalizedModel, with_normalization
from ann2snn.models.registry import create_model, list_models, register_model
from ann2snn.models.weights import KNOWN_WEIGHTS, load_weights, read_state_dict, sha256_prefix

__all__ = ["create_model", "list_models", "register_model", "load_weights", "read_state_dict",
           "sha256_prefix", "KNOWN_WEIGHTS", "Normalize", "NormalizedModel", "with_normalization"]
