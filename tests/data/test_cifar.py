import os
import pickle
import tarfile

import numpy as np
import pytest
import torch

from ann2snn import DataError
from ann2snn.data import load_dataset

from conftest import write_cifar_batch


def test_shared_subset_counts_and_label_histogram(cifar_subset):
    test = load_dataset("cifar10", cifar_subset, "test")
    assert len(test) == 932
    assert torch.bincount(test.tensors[1]).tolist() == [97, 78, 94, 95, 85, 84, 105, 96, 98, 100]
    train = load_dataset("cifar10", cifar_subset / "cifar-10-batches-py", "train")
    assert len(train) == 4660
    x = test.tensors[0]
    assert x.shape == (932, 3, 32, 32) and 0 <= float(x.min()) and float(x.max()) <= 1


def test_synthetic_folder_and_archive_read_alike(synthetic_cifar, tmp_path):
    folder = load_dataset("cifar10", synthetic_cifar, "train")
    assert len(folder) == 100
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(synthetic_cifar / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    packed = load_dataset("cifar10", archive, "train")
    assert torch.equal(folder.tensors[0], packed.tensors[0])
    assert torch.equal(folder.tensors[1], packed.tensors[1])


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/ann2snn-pwned",))


def test_malicious_pickle_is_refused(synthetic_cifar):
    path = synthetic_cifar / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(pickle.dumps({b"data": _Evil(), b"labels": [0]}, protocol=2))
    with pytest.raises(DataError, match="refused global posix.system|refused global os.system"):
        load_dataset("cifar10", synthetic_cifar, "test")
    assert not os.path.exists("/tmp/ann2snn-pwned")


def test_missing_truncated_and_wrong_layout(synthetic_cifar, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("cifar10", tmp_path / "nowhere", "test")
    with pytest.raises(DataError, match="does not hold the official"):
        load_dataset("cifar10", tmp_path.parent, "test")
    path = synthetic_cifar / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="corrupt or truncated"):
        load_dataset("cifar10", synthetic_cifar, "test")
    write_cifar_batch(path, np.zeros((3, 100), dtype=np.uint8), [0, 1, 2])
    with pytest.raises(DataError, match=r"shape \(N, 3072\)"):
        load_dataset("cifar10", synthetic_cifar, "test")


def test_digits_split_is_fixed():
    train, test = load_dataset("digits", split="train"), load_dataset("digits", split="test")
    assert (len(train), len(test)) == (1347, 450)
    assert torch.equal(test.tensors[1], load_dataset("digits", split="test").tensors[1])
