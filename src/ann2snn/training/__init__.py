"""ANN training for conversion: the loop, checkpoints, resuming, many processes."""

from ann2snn.models.checkpoint import load_checkpoint, read_meta, save_checkpoint
from ann2snn.training.lambda_init import init_lambda_from_data
from ann2snn.training.loop import accuracy, fit, train_one_epoch
from ann2snn.training.trainer import TrainConfig, train

__all__ = ["fit", "accuracy", "train_one_epoch", "train", "TrainConfig", "save_checkpoint",
           "load_checkpoint", "read_meta", "init_lambda_from_data"]
