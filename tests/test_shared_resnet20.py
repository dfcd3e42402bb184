"""End to end on the shared ResNet-20 and the lossless CIFAR-10 subset (skips without them)."""

import torch
from torch.utils.data import DataLoader, Subset

import ann2snn
from ann2snn.data import NORMALIZATIONS, load_dataset
from ann2snn.models import create_model, load_weights, with_normalization


def test_robust_conversion_reaches_85_percent_by_T64(resnet20_weights, cifar_subset):
    model = with_normalization(load_weights(create_model("resnet20"), resnet20_weights),
                               NORMALIZATIONS["imagenet"])
    train = load_dataset("cifar10", cifar_subset, "train")
    test = Subset(load_dataset("cifar10", cifar_subset, "test"), range(300))
    calib = DataLoader(train, batch_size=128, shuffle=True,
                       generator=torch.Generator().manual_seed(0))
    report = ann2snn.evaluate(model, DataLoader(test, batch_size=100), [8, 64], "robust", calib,
                              calib_batches=10)
    acc = {row["T"]: row["accuracy"] for row in report["snn"]}
    assert report["ann"]["accuracy"] >= 0.9
    assert acc[64] >= 0.85 and acc[8] < acc[64]
