"""Outputs are checked before the work and written atomically: nothing partial is left."""

import errno

import pytest
import torch

import ann2snn
from ann2snn import Ann2SnnError
from ann2snn.outputs import atomic_write, write_json


def test_a_failing_write_leaves_nothing(tmp_path):
    target = tmp_path / "r.json"

    def disk_full(path):
        path.write_text('{"half": ')
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(Ann2SnnError, match="No space left on device; nothing was written"):
        atomic_write(target, disk_full)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "r.json"
    write_json({"old": 1}, target)

    def interrupted(path):
        path.write_text("{")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, interrupted)
    assert target.read_text() == '{\n  "old": 1\n}\n' and len(list(tmp_path.iterdir())) == 1


def test_json_with_nan_is_refused(tmp_path):
    with pytest.raises(Ann2SnnError, match="NaN or infinity"):
        write_json({"accuracy": float("nan")}, tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []


def test_save_snn_checks_its_path_and_writes_atomically(tmp_path):
    model = ann2snn.create_model("small_cnn").eval()
    snn = ann2snn.convert(model, "robust", calib=[torch.rand(4, 1, 8, 8)])
    with pytest.raises(Ann2SnnError, match="is a folder"):
        ann2snn.save_snn(snn, tmp_path)
    (tmp_path / "f").write_text("")
    with pytest.raises(Ann2SnnError, match="which is a file"):
        ann2snn.save_snn(snn, tmp_path / "f" / "s.safetensors")
    ann2snn.save_snn(snn, tmp_path / "new" / "s.safetensors")
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["s.safetensors"]
    with pytest.raises(Ann2SnnError, match="needs a SpikingNetwork"):
        ann2snn.save_snn(model, tmp_path / "x.safetensors")
