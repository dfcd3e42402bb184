import gzip
import struct

import numpy as np
import pytest

from ann2snn import DataError
from ann2snn.data import load_dataset


def write_idx(path, array, gz):
    dims = array.ndim
    raw = struct.pack(f">{1 + dims}I", 0x800 + dims, *array.shape) + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_files(tmp_path, gz):
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    images = rng.integers(0, 256, (7, 28, 28))
    labels = np.array([3, 1, 4, 1, 5, 9, 2])
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images, gz)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels, gz)
    for name in ("mnist", "fashion-mnist"):
        data = load_dataset(name, tmp_path, "test")
        x, y = data.tensors
        assert x.shape == (7, 1, 28, 28) and y.tolist() == labels.tolist()
        assert np.allclose(x[2, 0].numpy() * 255, images[2])
    aug = load_dataset("mnist", tmp_path, "test", augment=True)
    assert aug[0][0].shape == (1, 28, 28)


def test_idx_errors(tmp_path):
    with pytest.raises(DataError, match="no train-images-idx3-ubyte"):
        load_dataset("mnist", tmp_path, "train")
    images = np.zeros((5, 28, 28))
    write_idx(tmp_path / "train-images-idx3-ubyte", images, False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5), False)
    raw = (tmp_path / "train-images-idx3-ubyte").read_bytes()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(raw[:-10])
    with pytest.raises(DataError, match="truncated or corrupt"):
        load_dataset("mnist", tmp_path, "train")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x01" + raw[4:])
    with pytest.raises(DataError, match="not an IDX file"):
        load_dataset("mnist", tmp_path, "train")
