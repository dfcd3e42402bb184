import tarfile
from collections import Counter

import numpy as np
import pytest
import torch
from PIL import Image

from ann2snn import DataError
from ann2snn.data import load_dataset

from conftest import SHARED, need

CLASSES = ["cat", "dog", "emu"]


def make_tree(root, per_class=(4, 3, 2), size=(12, 10), fmt="PNG"):
    """train/ and val/ folders of solid-colour images; pixel value encodes (class, index)."""
    for split in ("train", "val"):
        for c, (name, count) in enumerate(zip(CLASSES, per_class)):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                arr = np.full((*size, 3), 40 * c + 5 * i, np.uint8)
                Image.fromarray(arr).save(folder / f"{i:04d}.{fmt.lower()}", format=fmt)
    return root


def test_folder_and_archive_read_alike(tmp_path):
    root = make_tree(tmp_path / "tree")
    archive = tmp_path / "tree.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="tree")
    for source in (root, archive):
        data = load_dataset("imagefolder", source, "test")  # test -> val/
        assert data.classes == CLASSES and len(data) == 9
        assert Counter(data.targets) == {0: 4, 1: 3, 2: 2}
        x, y = data[5]  # class 1, index 1
        assert y == 1 and x.shape == (3, 12, 10) and x.dtype == torch.float32
        assert torch.allclose(x, torch.full_like(x, (40 + 5) / 255))


def test_resize_option_and_mixed_sizes(tmp_path):
    root = make_tree(tmp_path / "a")
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(root / "val" / "emu" / "9999.png")
    with pytest.raises(DataError, match="size=N"):
        data = load_dataset("imagefolder", root, "test")
        [data[i] for i in range(len(data))]
    data = load_dataset("imagefolder", root, "test", size=8)
    assert {tuple(data[i][0].shape) for i in range(len(data))} == {(3, 8, 8)}


def test_augmentation_is_seeded_per_sample_and_epoch(tmp_path):
    root = make_tree(tmp_path / "a", size=(16, 16))
    data = load_dataset("imagefolder", root, "train", augment=True, seed=3)
    torch.manual_seed(123)
    first = data[2][0]
    torch.manual_seed(999)  # the global generator does not matter
    assert torch.equal(first, data[2][0])
    data.set_epoch(1)
    again = [data[i][0] for i in range(len(data))]
    data.set_epoch(0)
    assert torch.equal(first, data[2][0])
    assert again[0].shape == (3, 16, 16)


def test_bad_layouts_and_corrupt_images(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("imagefolder", tmp_path / "none", "train")
    (tmp_path / "flat").mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "flat" / "a.png")
    with pytest.raises(DataError, match="train/<class>/"):
        load_dataset("imagefolder", tmp_path / "flat", "train")
    root = make_tree(tmp_path / "c", fmt="JPEG")
    (root / "train" / "cat" / "0000.jpeg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    with pytest.raises(DataError, match="0000.jpeg is corrupt or truncated"):
        load_dataset("imagefolder", root, "train")
    archive = tmp_path / "cut.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="c")
    archive.write_bytes(archive.read_bytes()[:200])
    with pytest.raises(DataError, match="cannot read archive"):
        load_dataset("imagefolder", archive, "train")


@pytest.mark.slow
def test_shared_jpeg_cifar10_counts_and_histogram():
    archive = need(SHARED / "data" / "cifar10-jpeg.tar.gz")
    test = load_dataset("imagefolder", archive, "test")
    assert test.classes == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                            "horse", "ship", "truck"]
    assert len(test) == 10_000 and Counter(test.targets) == dict.fromkeys(range(10), 1000)
    train = load_dataset("imagefolder", archive, "train")
    assert len(train) == 50_000 and Counter(train.targets) == dict.fromkeys(range(10), 5000)
    x, y = test[0]
    assert x.shape == (3, 32, 32) and 0.0 <= float(x.min()) and float(x.max()) <= 1.0


def test_imagenet_preprocessing(tmp_path):
    root = make_tree(tmp_path / "in", per_class=(2, 1, 1), size=(300, 260), fmt="JPEG")
    Image.fromarray(np.zeros((400, 500, 3), np.uint8)).save(root / "train" / "emu" / "big.jpeg")
    test = load_dataset("imagenet", root, "test")
    assert test.split_dir == "val" and test[0][0].shape == (3, 224, 224)
    train = load_dataset("imagenet", root, "train", augment=True)  # sizes vary before the crop
    assert {tuple(train[i][0].shape) for i in range(len(train))} == {(3, 224, 224)}
    small = load_dataset("imagenet", root, "test", size=64)
    assert small[0][0].shape == (3, 64, 64)
