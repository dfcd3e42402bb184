"""Every class of bad input on the command line: exit code 2, one error line, no traceback,
nothing half-written (issue 8, section 2)."""

import json
import subprocess
import sys
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

from ann2snn.cli import main
from ann2snn.models import create_model

BASE = ["evaluate", "--model", "small_cnn", "--dataset", "digits", "--timesteps", "1,2",
        "--limit", "20"]


def run(args, capsys):
    """``(exit code, stderr lines)`` of an in-process CLI run."""
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line for line in err.strip().splitlines() if line.strip()]


def refused(args, capsys, message):
    code, lines = run(args, capsys)
    assert code == 2, lines
    errors = [line for line in lines if "error:" in line]
    assert len(errors) == 1 and errors[0] == lines[-1], lines
    assert message in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def weights(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "w.pt"
    torch.save(create_model("small_cnn").state_dict(), path)
    return path


# -- corrupt files ----------------------------------------------------------------------
def test_corrupt_targz_is_one_line(synthetic_cifar, tmp_path, capsys):
    archive = tmp_path / "cifar.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(synthetic_cifar / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    raw = bytearray(archive.read_bytes())
    for i in range(len(raw) // 3, len(raw) // 3 + 64):
        raw[i] ^= 0xFF
    archive.write_bytes(bytes(raw))
    refused(["evaluate", "--model", "small_cnn", "--dataset", "cifar10", "--data", str(archive),
             "--normalize", "none"], capsys, "cannot read archive")


@pytest.mark.parametrize("content", [b"garbage", "truncated"])
def test_garbage_or_truncated_safetensors_weights(tmp_path, capsys, content):
    from safetensors.torch import save_file

    path = tmp_path / "w.safetensors"
    if content == "truncated":
        save_file({k: v.contiguous() for k, v in create_model("small_cnn").state_dict().items()},
                  str(path))
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(content)
    refused([*BASE, "--weights", str(path), "--normalize", "digits"], capsys, "cannot read weights")


def test_weights_pointing_at_a_folder(tmp_path, capsys):
    refused([*BASE, "--weights", str(tmp_path), "--normalize", "digits"], capsys,
            "is a folder, and not a checkpoint")


def _checkpoint(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--model", "small_cnn", "--dataset", "digits", "--epochs", "1",
                 "--out", str(out), "--no-progress", "--lr", "0.05"]) == 0
    return out


def test_checkpoint_metadata_missing_keys(tmp_path, capsys):
    out = _checkpoint(tmp_path)
    meta = json.loads((out / "model.json").read_text())
    del meta["num_classes"]
    (out / "model.json").write_text(json.dumps(meta))
    refused(["evaluate", "--checkpoint", str(out)], capsys, "field 'num_classes' is missing")


# -- worker errors ----------------------------------------------------------------------
def test_an_error_in_a_dataloader_worker_is_the_same_one_line(tmp_path, capsys):
    for split in ("train", "val"):
        for c in ("a", "b"):
            folder = tmp_path / "tree" / split / c
            folder.mkdir(parents=True)
            for i in range(3):
                Image.fromarray(np.full((8, 8, 3), 60 * i, np.uint8)).save(folder / f"{i}.png")
    (tmp_path / "tree" / "train" / "b" / "1.png").write_bytes(b"not a png")
    lines = []
    for workers in ("0", "1"):
        lines.append(refused(["train", "--model", "small_cnn", "--dataset", "imagefolder",
                              "--data", str(tmp_path / "tree"), "--epochs", "1", "--batch-size", "2",
                              "--out", str(tmp_path / f"run{workers}"), "--no-progress",
                              "--workers", workers], capsys, "is corrupt or truncated"))
    assert lines[0] == lines[1]


# -- values out of range ----------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--percentile", "nan"], "--percentile: must be a finite number, got nan"),
    (["--percentile", "250"], "--percentile: must be > 0 and <= 100, got 250"),
    (["--batch-size", "abc"], "expected a number, got 'abc'"),
    (["--calib-batches", "0"], "must be a positive integer, got 0"),
    (["--device", "foo", "--normalize", "digits"], "unknown device 'foo'"),
    (["--normalize", "nan/1"], "finite numbers"),
    (["--normalize", "0.5/0"], "every std must be > 0"),
    (["--normalize", "0.5/inf"], "finite numbers"),
    (["--normalize", "0.5,0.5/0.2,0.2"], "has 2 channels but dataset digits has 1"),
    (["--normalize", "digits", "--method-option", "percentile=-3"], "percentile must be > 0"),
    (["--normalize", "digits", "--method-option", "nonsense=1"], "has no option 'nonsense'"),
    (["--normalize", "digits", "--dataset-option", "size=0"], "has no option 'size'"),
])
def test_values_out_of_range(args, message, capsys):
    refused([*BASE, *args], capsys, message)


def test_device_cuda_without_cuda(capsys):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    refused([*BASE, "--normalize", "digits", "--device", "cuda"], capsys, "CUDA is not available")


@pytest.mark.parametrize("args, message", [
    (["--lr", "-1"], "--lr: must be > 0, got -1"),
    (["--lr", "nan"], "--lr: must be a finite number, got nan"),
    (["--momentum", "-0.5"], "--momentum: must be >= 0, got -0.5"),
    (["--workers", "-1"], "an integer >= 0"),
    (["--bit-sparsity", "inf"], "--bit-sparsity: must be a finite number, got inf"),
])
def test_training_values_out_of_range(args, message, tmp_path, capsys):
    refused(["train", "--model", "small_cnn", "--out", str(tmp_path / "r"), *args], capsys, message)
    assert not (tmp_path / "r").exists()


def test_dataset_size_must_be_positive(tmp_path, capsys):
    refused(["evaluate", "--model", "small_cnn", "--dataset", "imagefolder", "--data", str(tmp_path),
             "--normalize", "none", "--dataset-option", "size=0"], capsys, "must be a positive integer")


def test_a_T_that_cannot_fit_in_memory_is_refused_with_the_estimate(weights, capsys):
    line = refused([*BASE, "--weights", str(weights), "--normalize", "digits", "--method", "opi",
                    "--timesteps", "1000000000"], capsys, "simulating T = 1000000000 steps")
    assert "GiB" in line and "lower T or the batch size" in line


# -- non-finite numbers in the data path --------------------------------------------------
def test_nan_weights_are_refused_naming_the_tensor(tmp_path, capsys):
    state = create_model("small_cnn").state_dict()
    state["features.3.weight"][0, 0, 0, 0] = float("nan")
    torch.save(state, tmp_path / "w.pt")
    refused([*BASE, "--weights", str(tmp_path / "w.pt"), "--normalize", "digits"], capsys,
            "NaN or infinite values in 'features.3.weight'")


def test_a_nan_loss_stops_training_and_saves_nothing_for_that_epoch(tmp_path, capsys):
    out = tmp_path / "run"
    refused(["train", "--model", "small_cnn", "--dataset", "digits", "--epochs", "1", "--lr", "1e30",
             "--out", str(out), "--no-progress"], capsys, "epoch 1: the training loss is")
    assert not (out / "model.safetensors").exists()


# -- outputs ------------------------------------------------------------------------------
def test_json_under_a_regular_file_fails_before_any_work(weights, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    refused([*BASE, "--weights", str(weights), "--normalize", "digits", "--json",
             str(tmp_path / "file" / "r.json")], capsys, "which is a file, not a folder")
    refused([*BASE, "--weights", str(weights), "--normalize", "digits", "--json", str(tmp_path)],
            capsys, "is a folder; give a file name")


def test_json_in_a_missing_folder_is_created(weights, tmp_path, capsys):
    path = tmp_path / "new" / "deeper" / "r.json"
    code, _ = run([*BASE, "--weights", str(weights), "--normalize", "digits", "--method", "opi",
                   "--json", str(path)], capsys)
    assert code == 0 and json.loads(path.read_text())["samples"] == 20
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.json"]  # no temporary file


def test_convert_and_train_outputs_are_checked_first(weights, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    refused(["convert", "--model", "small_cnn", "--dataset", "digits", "--weights", str(weights),
             "--normalize", "digits", "--out", str(tmp_path / "file" / "s.safetensors")], capsys,
            "which is a file")
    refused(["train", "--model", "small_cnn", "--out", str(tmp_path / "file")], capsys,
            "is a file, not a folder")


# -- flags that would do nothing --------------------------------------------------------------
def test_convert_refuses_a_T_the_method_does_not_use(weights, tmp_path, capsys):
    refused(["convert", "--model", "small_cnn", "--dataset", "digits", "--weights", str(weights),
             "--normalize", "digits", "--method", "robust", "--timesteps", "8",
             "--out", str(tmp_path / "s.safetensors")], capsys, "--timesteps would be ignored")
    assert not (tmp_path / "s.safetensors").exists()


def test_flags_a_checkpoint_decides_are_refused(tmp_path, capsys):
    out = _checkpoint(tmp_path)
    refused(["evaluate", "--weights", str(out / "model.safetensors"), "--normalize", "0.5/0",
             "--activation", "qcfs"], capsys, "--normalize and --activation would be ignored")


def test_progress_is_a_line_per_stage_when_not_a_terminal(weights):
    proc = subprocess.run([sys.executable, "-m", "ann2snn", *BASE, "--weights", str(weights),
                           "--normalize", "digits", "--method", "snnc-light"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "converting with snnc-light for T = 2" in proc.stderr


@pytest.mark.parametrize("extra, message", [
    (["--method", "opi"], "--method would be ignored"),
    (["--per-channel"], "--per-channel would be ignored"),
    (["--weights", "w.pt"], "--weights would be ignored"),
    (["--timesteps", "8"], "converted for T = 4"),
])
def test_evaluate_snn_refuses_what_the_file_decides(tmp_path, extra, message, capsys):
    import ann2snn

    torch.manual_seed(0)
    model = create_model("small_cnn").eval()
    path = tmp_path / "s.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "rts", calib=[torch.rand(8, 1, 8, 8)], timesteps=4),
                     path)
    steps = [] if "--timesteps" in extra else ["--timesteps", "4"]
    code = main(["evaluate", "--snn", str(path), "--dataset", "digits", *steps, *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
