import numpy as np
import pytest
import torch

from ann2snn import DataError
from ann2snn.data import load_dataset
from ann2snn.data.aedat import HEADER, events_to_frames, read_aedat2, write_aedat2
from ann2snn.data.cifar10_dvs import CLASSES


def test_official_address_layout_by_hand(tmp_path):
    # one event: raw row 3, raw column 5, raw polarity 1 -> x = 127 - 3, y = 127 - 5, p = 0
    addr = (3 << 8) | (5 << 1) | 1
    path = tmp_path / "one.aedat"
    path.write_bytes(HEADER + addr.to_bytes(4, "big") + (1234).to_bytes(4, "big"))
    ev = read_aedat2(path)
    assert (ev["x"][0], ev["y"][0], ev["p"][0], ev["t"][0]) == (124, 122, 0, 1234)
    write_aedat2(tmp_path / "two.aedat", ev["t"], ev["x"], ev["y"], ev["p"])
    assert (tmp_path / "two.aedat").read_bytes() == path.read_bytes()


def test_frames_split_by_event_count_and_downsample():
    ev = {"t": np.array([5, 1, 2, 3, 4, 6]), "x": np.array([0, 1, 127, 64, 65, 2]),
          "y": np.array([0, 0, 10, 20, 21, 3]), "p": np.array([1, 0, 1, 0, 0, 1])}
    frames = events_to_frames(ev, 2, 128)
    # sorted by t: (1:x1,y0,p0) (2:x127,y10,p1) (3:x64,y20,p0) | (4:x65,y21,p0) (5:x0,y0,p1) (6:x2,y3,p1)
    assert frames.shape == (2, 2, 128, 128) and frames.sum() == 6
    assert frames[0, 0, 0, 1] == 1 and frames[0, 1, 10, 127] == 1 and frames[0, 0, 20, 64] == 1
    assert frames[1, 0, 21, 65] == 1 and frames[1, 1, 0, 0] == 1 and frames[1, 1, 3, 2] == 1
    small = events_to_frames(ev, 2, 32)  # blocks of 4x4 pixels summed
    assert small[1, 1, 0, 0] == 2 and small[0, 0, 5, 16] == 1 and small.sum() == 6
    with pytest.raises(DataError, match="divide"):
        events_to_frames(ev, 2, 50)


def synthetic_dvs(root, per_class=10, events=200):
    rng = np.random.default_rng(0)
    for c, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            n = events + c  # the event count tells the class
            write_aedat2(root / name / f"cifar10_{name}_{i}.aedat", np.sort(rng.integers(0, 10**6, n)),
                         rng.integers(0, 128, n), rng.integers(0, 128, n), rng.integers(0, 2, n))
    return root


def test_dataset_split_and_shapes(tmp_path):
    root = synthetic_dvs(tmp_path / "dvs")
    train = load_dataset("cifar10-dvs", root, "train", frames=4, size=32)
    test = load_dataset("cifar10-dvs", root, "test", frames=4, size=32)
    assert len(train) == 90 and len(test) == 10
    # by file index: 0..8 train, 9 test (numeric order, not name order: 10 > 9)
    assert [p.name for p, _ in test.samples[:1]] == ["cifar10_airplane_9.aedat"]
    x, y = test[3]
    assert x.shape == (8, 32, 32) and y == 3 and float(x.sum()) == 203
    flipped = load_dataset("cifar10-dvs", root, "train", augment=True, frames=4, size=32)
    assert flipped[0][0].shape == (8, 32, 32) and torch.isclose(flipped[0][0].sum(), train[0][0].sum())


def test_dvs_errors(tmp_path):
    root = synthetic_dvs(tmp_path / "dvs", per_class=2)
    with pytest.raises(DataError, match="no option"):
        load_dataset("cifar10-dvs", root, "train", colour=1)
    with pytest.raises(DataError, match="expected int"):
        load_dataset("cifar10-dvs", root, "train", frames="many")
    bad = root / "cat" / "cifar10_cat_0.aedat"
    bad.write_bytes(bad.read_bytes()[:-3])
    data = load_dataset("cifar10-dvs", root, "train")
    with pytest.raises(DataError, match="truncated"):
        data[data.samples.index((bad, 3))]
    for f in (root / "dog").iterdir():
        f.unlink()
    with pytest.raises(DataError, match="no .aedat files for dog"):
        load_dataset("cifar10-dvs", root, "train")
