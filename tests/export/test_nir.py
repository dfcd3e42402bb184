"""NIR export: exact round trip through nir.write/read and nirtorch 2.6, refusals."""

import numpy as np
import pytest
import torch
from torch import nn

import ann2snn
from ann2snn.export.nir_graph import export_graph
from ann2snn.export.nir_losses import NotExact

nir = pytest.importorskip("nir")
nirtorch = pytest.importorskip("nirtorch")


class Residual(nn.Module):
    """conv-ReLU, conv + skip - ReLU, the option-A shortcut, average pooling, linear."""

    def __init__(self):
        super().__init__()
        self.c0, self.a0 = nn.Conv2d(3, 4, 3, padding=1), nn.ReLU()
        self.c1, self.a1 = nn.Conv2d(4, 4, 3, padding=1), nn.ReLU()
        self.c2, self.a2 = nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU()
        self.pool, self.fc = nn.AvgPool2d(2), nn.Linear(8 * 2 * 2, 5)

    def forward(self, x):
        x = self.a0(self.c0(x))
        x = self.a1(self.c1(x) + x)
        short = nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 2, 2))
        x = self.a2(self.c2(x) + short)
        return self.fc(self.pool(x).flatten(1))


def dyadic(shape, scale, generator):
    """Multiples of 1/64: sums of a few of them are exact in float32 in any order."""
    return torch.randint(-8, 9, shape, generator=generator).float() * scale / 8


def dyadic_snn(seed: int, model: nn.Module | None = None, channels: int = 3):
    g = torch.Generator().manual_seed(seed)
    model = (model or Residual()).eval()
    for p in model.parameters():
        p.data = dyadic(p.shape, 0.25, g)
    for m in model.modules():  # folded BN stays dyadic: scale γ/sqrt(1 + 0)
        if isinstance(m, nn.BatchNorm2d):
            m.eps, m.running_var = 0.0, torch.ones_like(m.running_var)
            m.running_mean = dyadic(m.running_mean.shape, 0.25, g)
    x = torch.randint(0, 9, (6, channels, 8, 8), generator=g).float() / 8
    snn = ann2snn.convert(model, "opi", calib=[x], per_channel=True)
    for _, n in snn.neurons():  # per-channel θ in {0.5, 1, 2}, v0 = θ/2
        c = n.threshold.numel()
        n.threshold = 2.0 ** torch.randint(-1, 2, (c,), generator=g).float()
        n.v0 = n.threshold / 2
    return snn, x


class I(nn.Module):  # noqa: E742 (NIR's name)
    def forward(self, x, state=None):
        m = x if state is None else state + x
        return m, m


class Threshold(nn.Module):
    def __init__(self, theta):
        super().__init__()
        self.theta = torch.from_numpy(theta)

    def forward(self, x):
        return (x > self.theta).float()


class Scale(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = torch.from_numpy(scale)

    def forward(self, x):
        return x * self.scale


def node_map():
    def affine(node):
        lin = nn.Linear(node.weight.shape[1], node.weight.shape[0])
        lin.weight.data, lin.bias.data = torch.from_numpy(node.weight), torch.from_numpy(node.bias)
        return lin

    return {nir.I: lambda n: I(), nir.Threshold: lambda n: Threshold(n.threshold),
            nir.Scale: lambda n: Scale(n.scale), nir.Affine: affine,
            nir.Flatten: lambda n: nn.Flatten(n.start_dim + 1, n.end_dim)}


def run_nir(graph, x, steps):
    module = nirtorch.nir_to_torch(graph, node_map())
    state, outputs = None, []
    for _ in range(steps):
        out, state = module(x, state) if state is not None else module(x)
        outputs.append(out)
    return torch.stack(outputs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_trip_through_nirtorch_is_exact(seed, tmp_path):
    snn, x = dyadic_snn(seed)
    path = tmp_path / "snn.nir"
    nir.write(str(path), export_graph(snn))
    graph = nir.read(str(path))
    steps = 6
    with torch.no_grad():
        ours, theirs = snn(x, steps), run_nir(graph, x, steps)
    assert torch.equal(theirs, ours)
    assert ours.abs().sum() > 0 and len({tuple(o.flatten().tolist()) for o in ours}) > 1


@pytest.mark.parametrize("method, options, lost", [
    ("rts", {"timesteps": 4}, "constant neuron bias"),
    ("ftbc", {"timesteps": 2, "iterations": 1, "holdout": 0, "base": "opi"}, "per-step biases"),
    ("opi", {"permute": "layer"}, "permutation"),
])
def test_what_nir_cannot_carry_is_refused_with_the_list(method, options, lost):
    snn, x = dyadic_snn(0)
    model = Residual().eval()
    snn = ann2snn.convert(model, method, calib=[(x, torch.zeros(6, dtype=torch.long))], **options)
    with pytest.raises(NotExact, match=lost):
        export_graph(snn)


def test_two_phase_neurons_are_refused():
    model = ann2snn.create_model("small_cnn", activation="qcfs", levels=4).eval()
    snn = ann2snn.convert(model, "tpp", calib=[torch.rand(4, 1, 8, 8)], timesteps=4)
    with pytest.raises(NotExact, match="two-phase"):
        export_graph(snn)


def test_max_pooling_is_refused():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(2 * 3 * 3, 3)).eval()
    snn = ann2snn.convert(model, "robust", calib=[torch.rand(4, 1, 8, 8)], maxpool="avg")
    snn_graph = export_graph(snn)  # replaced by average pooling in ANN and SNN alike: exact
    assert any(isinstance(n, nir.AvgPool2d) for n in snn_graph.nodes.values())
    assert np.isfinite(snn_graph.nodes["output"].output_type["output"]).all()


def test_export_command_writes_an_exact_file_or_nothing(tmp_path, capsys):
    from ann2snn.cli import main

    snn, x = dyadic_snn(1, ann2snn.create_model("small_cnn"), channels=1)  # a registered model
    saved, out = tmp_path / "s.safetensors", tmp_path / "s.nir"
    ann2snn.save_snn(snn, saved)
    assert main(["export", str(saved), "--format", "nir", "--out", str(out)]) == 0
    with torch.no_grad():
        assert torch.equal(run_nir(nir.read(str(out)), x, 5), snn(x, 5))
    rts = ann2snn.convert(ann2snn.create_model("small_cnn").eval(), "rts", calib=[x], timesteps=4)
    ann2snn.save_snn(rts, saved)
    refused = tmp_path / "rts.nir"
    assert main(["export", str(saved), "--out", str(refused)]) == 2
    err = capsys.readouterr().err
    assert "constant neuron bias" in err and "Traceback" not in err
    assert not refused.exists() and not list(tmp_path.glob("*.tmp*"))


def test_a_missing_nir_package_is_one_clear_error(tmp_path, monkeypatch):
    import sys

    snn, _ = dyadic_snn(0)
    monkeypatch.setitem(sys.modules, "nir", None)
    with pytest.raises(ann2snn.Ann2SnnError, match=r"pip install 'ann2snn\[nir\]'"):
        ann2snn.export_nir(snn, tmp_path / "s.nir")
    assert not (tmp_path / "s.nir").exists()


@pytest.mark.parametrize("method, activation, options", [
    ("rate", "relu", {}), ("robust", "relu", {}), ("opi", "relu", {}),
    ("snnc-advanced", "relu", {"timesteps": 4}), ("qcfs", "qcfs", {}),
])
def test_the_presets_the_readme_lists_as_exact_export(method, activation, options):
    extra = {"levels": 4} if activation == "qcfs" else {}
    model = ann2snn.create_model("small_cnn", activation=activation, **extra).eval()
    x = torch.rand(8, 1, 8, 8)
    graph = export_graph(ann2snn.convert(model, method, calib=[x], **options), (1, 8, 8))
    assert sum(isinstance(n, nir.Threshold) for n in graph.nodes.values()) == 3


def test_a_network_converted_without_data_needs_the_input_shape(tmp_path):
    model = ann2snn.create_model("small_cnn", activation="qcfs", levels=4).eval()
    snn = ann2snn.convert(model, "qcfs")
    with pytest.raises(ann2snn.Ann2SnnError, match=r"input_shape=\(3, 32, 32\) or --input-shape"):
        ann2snn.export_nir(snn, tmp_path / "q.nir")
    assert not (tmp_path / "q.nir").exists()
    ann2snn.export_nir(snn, tmp_path / "q.nir", (1, 8, 8))
    assert nir.read(str(tmp_path / "q.nir")).nodes["input"].input_type["input"].tolist() == [1, 8, 8]


def test_lossy_export_writes_native_if_layers_and_lists_every_loss(tmp_path, capsys):
    from ann2snn.cli import main

    x = torch.rand(8, 1, 8, 8)
    model = ann2snn.create_model("small_cnn").eval()
    snn = ann2snn.convert(model, "ftbc", calib=[(x, torch.zeros(8, dtype=torch.long))],
                          timesteps=2, iterations=1, holdout=0, base="opi")
    saved, out = tmp_path / "f.safetensors", tmp_path / "f.nir"
    ann2snn.save_snn(snn, saved)
    assert main(["export", str(saved), "--out", str(out)]) == 2 and not out.exists()
    assert "--lossy" in capsys.readouterr().err
    assert main(["export", str(saved), "--out", str(out), "--lossy"]) == 0
    err = capsys.readouterr().err
    graph = nir.read(str(out))
    layers = [name for name, _ in snn.neurons()]
    assert sum(isinstance(n, nir.IF) for n in graph.nodes.values()) == len(layers) == 3
    for name in layers:
        assert f"lost: {name}: FTBC's per-step biases" in err and f"lost: {name}: reset to 0" in err
    assert graph.metadata["reset"] == "zero (lossy)"
