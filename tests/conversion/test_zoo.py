"""Networks as users bring them from model zoos (tests/zoo.py): each converts and
its SNN approaches the (prepared) ANN at large T."""

import pytest
import torch
from torch import nn

import ann2snn
from ann2snn.conversion.converter import prepare_ann

from conftest import randomize_bn
from zoo import ZOO, BatchNormAct2d


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_network_converts_and_approaches_the_ann(name, tmp_path):
    torch.manual_seed(0)
    model = randomize_bn(ZOO[name]())
    maxpool = "avg" if name == "vgg" else "error"
    x = torch.rand(32, 3, 16, 16)
    snn = ann2snn.convert(model, "rate", calib=[x], v0=0.5, maxpool=maxpool)
    with torch.no_grad():
        ref = prepare_ann(model, maxpool).gm(x)
        out = snn(x, 512).mean(0)
    assert (out - ref).abs().max() < 0.03 * float(ref.max() - ref.min())
    assert (out.argmax(1) == ref.argmax(1)).float().mean() >= 0.9
    ann2snn.save_snn(snn, tmp_path / "snn.safetensors")  # folds and replaces the same way again
    again = ann2snn.load_snn(tmp_path / "snn.safetensors", model)
    assert torch.equal(again(x, 8), snn(x, 8))


def test_fused_norm_activation_is_folded_and_its_relu6_capped():
    """BatchNormAct2d (F.batch_norm + assert + ReLU6 inside) folds into the conv before it:
    the SNN has no BatchNorm left, and each ReLU6 site's θ is at most 6."""
    from ann2snn.conversion.norms import InferenceBatchNorm

    torch.manual_seed(0)
    model = randomize_bn(ZOO["mobilenet"]())
    prep = prepare_ann(model)
    assert prep.bn_folded == 7 and not any(
        isinstance(m, (nn.modules.batchnorm._BatchNorm, InferenceBatchNorm))
        for m in prep.gm.modules())
    assert "torch._assert" not in prep.gm.code and "batch_norm" not in prep.gm.code
    x = torch.rand(16, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(prep.gm(x), model(x), atol=1e-5)  # folding changes nothing
    snn = ann2snn.convert(model, "opi", calib=[x])
    assert all(s.kind == "relu" for s in prep.sites) and len(prep.sites) == 5
    assert all(float(n.threshold.max()) <= 6.0 for _, n in snn.neurons())


def test_batch_norm_in_training_mode_is_refused():
    class TrainingNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(3, 4, 1), BatchNormAct2d(4)

        def forward(self, x):
            return self.bn(self.conv(x)).mean((2, 3))

    model = TrainingNorm().eval()
    model.bn.running_mean = None  # no running statistics: batch statistics even in eval
    model.bn.running_var = None
    with pytest.raises(ann2snn.ConversionError, match="1 x batch_norm .*batch statistics"):
        ann2snn.convert(model, "robust", calib=[torch.rand(2, 3, 4, 4)])


def test_hundreds_of_unsupported_nodes_make_one_short_grouped_message():
    """Every kind of problem on one line with its count and three examples, at most 2,000
    characters (the DenseNet-121 of issue 12 gave 63,050 on one line)."""
    layers = []
    for _ in range(150):
        layers += [nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 1, 1), nn.GELU()]
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(4 * 16, 2)).eval()
    with pytest.raises(ann2snn.ConversionError) as err:
        ann2snn.convert(model, "robust", calib=[torch.rand(2, 4, 4, 4)])
    text = str(err.value)
    lines = text.splitlines()
    assert len(text) <= 2000 and lines[0] == "cannot convert 300 node(s), 2 kind(s) of problem:"
    assert lines[1].startswith("  150 x MaxPool2d (e.g. 2; 6; 10, ...): max pooling")
    assert lines[2].startswith("  150 x GELU (e.g. 3; 7; 11, ...): unsupported layer")
    assert len(err.value.nodes) == 300


def test_a_long_list_of_kinds_is_cut_to_a_screen():
    from ann2snn.conversion.support import grouped_problems

    problems = [(f"Kind{k}", "no spiking form " + "x" * 80, f"layer{k}.{i} at m.py:{i}")
                for k in range(40) for i in range(5)]
    text = grouped_problems(problems)
    assert len(text) <= 2000 and text.endswith("more kind(s)")
    assert text.splitlines()[1].startswith("  5 x Kind0 (e.g. layer0.0 at m.py:0; layer0.1")
