"""What a typed ``--model package.module:function`` trusts (issue 17, section 1): a file's
factory name is never echoed as a suggestion; a typed factory must be a Python function or
an nn.Module class, gets from a file only plain values its signature declares, and what it
returns is checked before anything else runs."""

import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import ann2snn
from ann2snn import Ann2SnnError
from ann2snn.cli import main
from ann2snn.models import create_model


def _snn_file(tmp_path, name="small_cnn", **options):
    torch.manual_seed(0)
    model = create_model(name, **options).eval()
    path = tmp_path / "s.safetensors"
    ann2snn.save_snn(ann2snn.convert(model, "robust", calib=[torch.rand(8, 1, 8, 8)]), path)
    return path


def _set_architecture(path, **changes):
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["ann2snn"])
    meta["architecture"].update(changes)
    save_file(load_file(str(path)), str(path), metadata={"ann2snn": json.dumps(meta)})


def _cli(args, capsys):
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.strip()


HOSTILE = [
    ("os:system", lambda marker: {"command": f"touch {marker}"}),
    ("subprocess:run", lambda marker: {"args": f"touch {marker}", "shell": True}),
    ("subprocess:Popen", lambda marker: {"args": f"touch {marker}", "shell": True}),
]


@pytest.mark.parametrize("factory, options", HOSTILE)
def test_a_typed_name_never_runs_the_files_command(tmp_path, capsys, factory, options):
    """The three routes the issue found, with a real marker file (nothing is mocked)."""
    marker = tmp_path / "MARKER"
    path = _snn_file(tmp_path)
    _set_architecture(path, model=factory, model_options=options(marker))
    with pytest.raises(Ann2SnnError):
        ann2snn.load_snn(path, model=factory)
    code, err = _cli(["export", str(path), "--model", factory, "--out",
                      str(tmp_path / "x.nir")], capsys)
    assert code == 2 and err.startswith("ann2snn: error:") and "\n" not in err
    code, err = _cli(["evaluate", "--snn", str(path), "--model", factory, "--dataset", "digits",
                      "--timesteps", "1"], capsys)
    assert code == 2 and "\n" not in err
    assert not marker.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.safetensors"]


def test_the_refusal_never_echoes_the_files_factory(tmp_path, capsys):
    path = _snn_file(tmp_path)
    _set_architecture(path, model="os:system", model_options={"command": "true"})
    for args in (["export", str(path), "--out", str(tmp_path / "x.nir")],
                 ["evaluate", "--snn", str(path), "--dataset", "digits"],
                 ["export", str(path), "--model", "user_models:module_cnn", "--out",
                  str(tmp_path / "x.nir")]):
        code, err = _cli(args, capsys)
        assert code == 2 and "os:system" not in err and "system" not in err, err


def test_builtins_and_other_callables_are_not_model_factories():
    for name in ("os:system", "subprocess:Popen", "builtins:eval"):
        with pytest.raises(Ann2SnnError, match="not a Python function or an nn.Module class"):
            create_model(name)


def test_what_a_factory_returns_is_checked_first():
    with pytest.raises(Ann2SnnError, match="returned int, not an nn.Module"):
        create_model("user_models:not_a_model")


def test_a_file_passes_only_declared_plain_options(tmp_path):
    path = _snn_file(tmp_path, "user_models:module_cnn", width=6)
    snn = ann2snn.load_snn(path, model="user_models:module_cnn")  # width=6 from the file
    assert snn.net.get_submodule("0").out_channels == 6
    _set_architecture(path, model_options={"width": 6, "evil": "x"})
    with pytest.raises(Ann2SnnError, match="records a model option 'evil' that the factory"):
        ann2snn.load_snn(path, model="user_models:module_cnn")


def test_a_factory_that_fails_is_one_line():
    with pytest.raises(Ann2SnnError, match="failed to build: TypeError"):
        create_model("user_models:functional_cnn", width="four")


def test_a_functional_relu_model_gets_the_activation_at_every_call_site():
    """F.relu calls become activation modules through the converter's canonicalisation; a
    model without any ReLU is refused, never trained as something else than it says."""
    from ann2snn.ann import QCFS, ClipReLU

    for activation, kind in (("qcfs", QCFS), ("clip", ClipReLU)):
        model = create_model("user_models:functional_cnn", activation=activation)
        assert [type(m) for m in model.modules() if isinstance(m, (QCFS, ClipReLU))] == [kind]
        with pytest.raises(Ann2SnnError, match=f"has no ReLU to make {activation}"):
            create_model("user_models:no_relu_cnn", activation=activation)
    assert create_model("user_models:functional_cnn") is not None
