"""Outputs are checked before the work and written atomically: nothing partial is left."""

import errno

import pytest
import torch

import ann2snn
from ann2snn import Ann2SnnError
from ann2snn.outputs import write_bytes, write_json


class _FailingFile:
    """``open()``'s file whose write puts half the bytes down, then fails as ``exc``."""

    def __init__(self, real, exc):
        self.real, self.exc = real, exc

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.real.close()

    def write(self, data):
        self.real.write(data[: len(data) // 2])
        raise self.exc


def _failing_open(monkeypatch, exc):
    import builtins

    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda p, mode="r", *a, **k: _FailingFile(
        real_open(p, mode, *a, **k), exc) if "w" in mode else real_open(p, mode, *a, **k))


def test_a_failing_write_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    _failing_open(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(Ann2SnnError, match="No space left on device; nothing was written"):
        write_bytes(target, b'{"half": 1}')
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    write_json({"old": 1}, target)
    _failing_open(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_bytes(target, b"{}")
    monkeypatch.undo()
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


def test_outputs_take_the_users_normal_mode(tmp_path):
    """Written whole through a temporary file, yet with the mode any new file gets (umask)."""
    import os

    import torch

    import ann2snn
    from ann2snn.models.checkpoint import save_checkpoint

    mask = os.umask(0o027)
    try:
        model = ann2snn.create_model("small_cnn").eval()
        ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[torch.rand(4, 1, 8, 8)]),
                         tmp_path / "s.safetensors")
        write_json({"a": 1}, tmp_path / "r.json")
        save_checkpoint(tmp_path / "ckpt", model, {"model": "small_cnn"}, {"epoch": 1})
    finally:
        os.umask(mask)
    paths = [tmp_path / "s.safetensors", tmp_path / "r.json", *sorted((tmp_path / "ckpt").iterdir())]
    assert {oct(p.stat().st_mode & 0o777) for p in paths} == {oct(0o666 & ~0o027)}
