"""Strict and safe, second round (issue 17): the surfaces added after the first round
(export, ``evaluate --snn``, compare's API, training state, outputs) turn bad input into one
line, exit 2 on the command line and :class:`Ann2SnnError` in the API, before any work, and
leave nothing half-written."""

import json
import os
import subprocess
import threading

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import ann2snn
from ann2snn import Ann2SnnError
from ann2snn.cli import build_parser, main
from ann2snn.cli.options import method_options
from ann2snn.models import create_model

from conftest import labelled_batches


@pytest.fixture
def snn_file(tmp_path):
    torch.manual_seed(0)
    model = create_model("small_cnn").eval()
    path = tmp_path / "s.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[torch.rand(8, 1, 8, 8)]), path)
    return path


def _edit_meta(path, edit):
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["ann2snn"])
    meta = edit(meta) or meta
    save_file(load_file(str(path)), str(path), metadata={"ann2snn": json.dumps(meta)})


def refused(args, capsys, message, folder=None, before=None) -> str:
    """One error line with ``message``, exit 2, and ``folder`` holding just ``before``."""
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and "Traceback" not in err and "\n" not in err, err
    assert message in err, err
    if folder is not None:
        assert sorted(p.name for p in folder.iterdir()) == sorted(before), list(folder.iterdir())
    return err


# -- export on hostile files ---------------------------------------------------------------
def test_export_metadata_nested_50000_deep(snn_file, tmp_path, capsys):
    deep = "[" * 50_000 + "]" * 50_000
    save_file(load_file(str(snn_file)), str(snn_file), metadata={"ann2snn": deep})
    refused(["export", str(snn_file), "--out", str(tmp_path / "x.nir")], capsys,
            "nested too deeply", tmp_path, ["s.safetensors"])


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(input_shape=[1, 10**6, 10**6]), "GiB, more than the"),
    (lambda m: m["architecture"].update(num_classes=10**12), "GiB of tensors, more than"),
    (lambda m: m.update(input_shape=[1, 8]), "input shape (1, 8) does not fit the network"),
    (lambda m: m["recipe"].update(seed=10**30), "seed must be an integer from 0 to"),
    (lambda m: m.update(format="ann2snn.spiking-network/2"),
     "is in format 'ann2snn.spiking-network/2'; this ann2snn 0.1.0 reads "
     "ann2snn.spiking-network/1"),
])
def test_export_refuses_a_damaged_record_before_allocating(snn_file, tmp_path, capsys, edit,
                                                          message):
    _edit_meta(snn_file, edit)
    refused(["export", str(snn_file), "--out", str(tmp_path / "x.nir")], capsys, message,
            tmp_path, ["s.safetensors"])


def test_export_input_shape_with_the_wrong_channels(snn_file, tmp_path, capsys):
    refused(["export", str(snn_file), "--input-shape", "3,8,8", "--out", str(tmp_path / "x.nir")],
            capsys, "input shape (3, 8, 8) does not fit the network", tmp_path, ["s.safetensors"])


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KiB tmpfs filled to the last byte (needs mount rights: root in CI)."""
    mount = tmp_path / "full"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); test_outputs covers ENOSPC")
    try:
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 512)
        except OSError:
            os.close(fd)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(snn_file, full_disk, capsys,
                                                              tmp_path):
    model, data = labelled_batches(32)
    report = tmp_path / "r.json"
    report.write_text(json.dumps(ann2snn.evaluate(model, data[:1], [1, 2], "robust", data[1:])))
    for args in (["export", str(snn_file), "--out", str(full_disk / "x.nir")],
                 ["report", str(report), "--out", str(full_disk / "r")],
                 ["convert", "--model", "small_cnn", "--dataset", "digits", "--normalize",
                  "digits", "--method", "robust", "--out", str(full_disk / "c.safetensors"),
                  "--calib-batches", "1"]):
        refused(args, capsys, "No space left on device", full_disk, ["filler"])
    with pytest.raises(Ann2SnnError, match="No space left on device; nothing was written"):
        ann2snn.save_snn(ann2snn.load_snn(snn_file), full_disk / "s.safetensors")
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


# -- outputs -------------------------------------------------------------------------------
def test_json_and_markdown_on_the_same_path_are_refused(tmp_path, capsys):
    out = tmp_path / "r.txt"
    refused(["compare", "--model", "small_cnn", "--dataset", "digits", "--normalize", "digits",
             "--json", str(out), "--markdown", str(tmp_path / "." / "r.txt")], capsys,
            "--json and --markdown name the same file", tmp_path, [])


def test_special_files_are_written_in_place_never_replaced(tmp_path):
    from ann2snn.outputs import write_json

    write_json({"a": 1}, "/dev/null")
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    write_json({"a": 1}, fifo)
    reader.join(10)
    assert json.loads(got[0]) == {"a": 1} and not fifo.is_file() and fifo.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_socket_as_output_is_refused(tmp_path):
    import socket

    from ann2snn.outputs import write_json

    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        with pytest.raises(Ann2SnnError, match="is a socket; ann2snn writes only files"):
            write_json({}, path)
    finally:
        server.close()


# -- inputs that are not files -------------------------------------------------------------
def test_inputs_that_are_not_regular_files_say_what_they_are(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(Ann2SnnError, match="is a FIFO \\(named pipe\\), not a regular file"):
        ann2snn.load_snn(fifo)
    refused(["report", "/dev/zero", "--out", str(tmp_path / "o")], capsys,
            "report file /dev/zero is a character device, not a regular file")
    refused(["export", str(tmp_path), "--out", str(tmp_path / "x.nir")], capsys,
            "is a folder, not a regular file")
    refused([*EVAL, "--weights", str(fifo), "--normalize", "digits"], capsys, "is a FIFO")


EVAL = ["evaluate", "--model", "small_cnn", "--dataset", "digits", "--timesteps", "1",
        "--limit", "10"]


# -- evaluate --snn and the method flags ----------------------------------------------------
def test_evaluate_snn_refuses_the_flags_the_file_decides(snn_file, capsys):
    refused(["evaluate", "--snn", str(snn_file), "--dataset", "digits", "--seed", "5"], capsys,
            "--seed would be ignored")
    refused(["evaluate", "--snn", str(snn_file), "--dataset", "digits", "--seed", "0"], capsys,
            "--seed would be ignored")


def test_falsy_method_flags_are_kept():
    parser = build_parser()
    args = parser.parse_args([*EVAL, "--ftbc-holdout", "0", "--ftbc-iterations", "0",
                              "--method-seed", "0", "--ftbc-eta", "0.5"])
    assert method_options(args) == {"holdout": 0, "iterations": 0, "seed": 0, "eta": 0.5}


@pytest.mark.parametrize("flag", ["--method-seed", "--seed"])
def test_a_seed_beyond_64_bits_is_one_line(flag, capsys):
    refused([*EVAL, "--normalize", "digits", flag, str(10**30)], capsys,
            "must be an integer from 0 to 9223372036854775807")


def test_compare_refuses_an_empty_method_list(capsys):
    refused(["compare", "--model", "small_cnn", "--dataset", "digits", "--normalize", "digits",
             "--methods", ""], capsys, "--methods: unknown (none given)")


# -- the Python API ----------------------------------------------------------------------
def test_api_misuse_is_one_line(snn_file, tmp_path):
    model, data = labelled_batches(32)
    snn = ann2snn.load_snn(snn_file)
    cases = [
        (lambda: ann2snn.compare(model, data, [1], data, method_options="robust"),
         "method_options must map method names to option dicts"),
        (lambda: ann2snn.compare(model, data, [1], data, methods=[]), "non-empty list"),
        (lambda: ann2snn.compare(model, data, [1], data, methods=["robust", "nope"]),
         "unknown 'nope'"),
        (lambda: ann2snn.compare(model, data, [1], data, methods=["opi"],
                                 method_options={"opi": {"percentile": 101}}), "percentile"),
        (lambda: ann2snn.load_snn(123), "must be a path (str or pathlib.Path), got int"),
        (lambda: ann2snn.export_nir(snn, 123), "NIR file must be a path"),
        (lambda: ann2snn.export_nir(snn, tmp_path / "x.nir", input_shape="1,8,8"),
         "input_shape must be a tuple of positive integers"),
        (lambda: ann2snn.export_nir(snn, tmp_path / "x.nir", lossy="false"),
         "lossy must be True or False"),
        (lambda: ann2snn.evaluate(model, data, [1], snn=str(snn_file)),
         "snn must be a SpikingNetwork, got str"),
        (lambda: ann2snn.evaluate(ann2snn.load_ann(snn_file), [(torch.rand(4, 1, 8, 8),
                                  torch.zeros(4, dtype=torch.long))], [1], snn=snn,
                                  calib=data, calib_batches=3), "calib, calib_batches:"),
        (lambda: ann2snn.evaluate(model, data, [1], "robust", data, costs="no"),
         "costs must be True or False"),
        (lambda: ann2snn.convert(model, "robust", data, seed=10**30), "seed must be an integer"),
    ]
    for call, message in cases:
        with pytest.raises(Ann2SnnError, match=None) as caught:
            call()
        assert message in str(caught.value) and "\n" not in str(caught.value), caught.value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.safetensors"]


def test_compare_is_the_function_and_takes_one_name():
    model, data = labelled_batches(32)
    result = ann2snn.compare(model, data[:1], [1], data[1:], methods="robust")
    assert [r["method"] for r in result["reports"]] == ["robust"]


# -- training state and the user's model -------------------------------------------------
@pytest.mark.parametrize("damage, message", [
    (lambda s: s.pop("optimizer"), "field 'optimizer' is missing or of the wrong type"),
    (lambda s: s.update(epoch="1"), "field 'epoch' is missing or of the wrong type"),
    (lambda s: s.update(rng=torch.zeros(3)), "rng is not a random generator state"),
    (lambda s: s.update(optimizer={"state": {}, "param_groups": "x"}), "does not fit this run"),
    (lambda s: s.update(partial=[1]), "partial sums out of range"),
])
def test_a_damaged_training_state_is_one_line(tmp_path, capsys, damage, message):
    out = tmp_path / "run"
    args = ["train", "--model", "small_cnn", "--dataset", "digits", "--out", str(out),
            "--no-progress"]
    assert main([*args, "--epochs", "1"]) == 0
    capsys.readouterr()
    state = torch.load(out / "train_state.pt", weights_only=True)
    damage(state)
    torch.save(state, out / "train_state.pt")
    before = sorted(p.name for p in out.iterdir())
    refused([*args, "--epochs", "1", "--resume"], capsys, message, out, before)


@pytest.mark.parametrize("model, activation, message", [
    ("user_models:three_channel_cnn", "relu", "does not fit model 'user_models:three_channel_cnn'"),
    ("user_models:no_relu_cnn", "clip", "has no ReLU to make clip"),
    ("user_models:no_relu_cnn", "qcfs", "has no ReLU to make qcfs"),
])
def test_a_user_model_that_cannot_train_as_asked_leaves_no_folder(tmp_path, capsys, model,
                                                                  activation, message):
    refused(["train", "--model", model, "--dataset", "digits", "--activation", activation,
             "--epochs", "1", "--out", str(tmp_path / "run" / "r"), "--no-progress"], capsys,
            message, tmp_path, [])


def test_a_checkpoint_of_another_format_version_names_both(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--model", "small_cnn", "--dataset", "digits", "--epochs", "1",
                 "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    meta = json.loads((out / "model.json").read_text())
    (out / "model.json").write_text(json.dumps({**meta, "format": "ann2snn.checkpoint/9"}))
    refused(["evaluate", "--checkpoint", str(out), "--timesteps", "1"], capsys,
            "is in format 'ann2snn.checkpoint/9'; this ann2snn 0.1.0 reads ann2snn.checkpoint/1")
