import pytest
import torch
import torch.nn.functional as F
from torch import nn

import ann2snn
from ann2snn import ConversionError, MethodError
from ann2snn.snn import IFNeuron

from conftest import randomize_bn

SPELLINGS = {
    "nn.ReLU": lambda m, x: m.act(x),
    "F.relu": lambda m, x: F.relu(x),
    "F.relu(inplace)": lambda m, x: F.relu(x, inplace=True),
    "torch.relu": lambda m, x: torch.relu(x),
    "torch.relu_": lambda m, x: torch.relu_(x),
    "Tensor.relu": lambda m, x: x.relu(),
    "Tensor.relu_": lambda m, x: x.relu_(),
    "ClipReLU": lambda m, x: m.clip(x),
    "QCFS": lambda m, x: m.qcfs(x),
    "nn.ReLU6": lambda m, x: m.relu6(x),
    "F.relu6": lambda m, x: F.relu6(x),
    "nn.Hardtanh": lambda m, x: m.hardtanh(x),
    "F.hardtanh": lambda m, x: F.hardtanh(x, 0.0, 0.5),
}
CAPS = {"nn.ReLU6": 6.0, "F.relu6": 6.0, "nn.Hardtanh": 0.5, "F.hardtanh": 0.5}


class OneActivation(nn.Module):
    def __init__(self, spelling):
        super().__init__()
        self.spelling = SPELLINGS[spelling]
        self.conv = nn.Conv2d(2, 4, 3, padding=1)
        self.act = nn.ReLU()
        self.clip = ann2snn.ClipReLU(1.5)
        self.qcfs = ann2snn.QCFS(levels=4, lam=1.5)
        self.relu6, self.hardtanh = nn.ReLU6(), nn.Hardtanh(0.0, 0.5)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        return self.fc(self.spelling(self, self.conv(x)).flatten(1))


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_the_activation_becomes_an_if_layer(spelling):
    torch.manual_seed(0)
    model = OneActivation(spelling).eval()
    x = torch.rand(6, 2, 4, 4) * (20.0 if spelling in CAPS else 1.0)  # fixed clips: above the cap
    snn = ann2snn.convert(model, "opi", calib=[x])
    neurons = snn.neurons()
    assert len(neurons) == 1 and isinstance(neurons[0][1], IFNeuron)
    expected_kind = {"ClipReLU": "ClipReLU", "QCFS": "QCFS"}.get(
        spelling, "Hardtanh" if "hardtanh" in spelling.lower() else "ReLU")
    assert expected_kind.lower() in snn.info.origins[neurons[0][0]].lower()
    # as T grows, the rate converges to the activation clipped at θ, whatever the spelling
    theta = float(neurons[0][1].threshold)
    expected_theta = {"ClipReLU": 1.5, "QCFS": 1.5}.get(spelling)
    if expected_theta is not None:
        assert theta == pytest.approx(expected_theta)  # θ = λ
    if spelling in CAPS:  # a fixed clip is a capped ReLU: θ = min(cap, data θ)
        torch.manual_seed(0)
        plain = ann2snn.convert(OneActivation("nn.ReLU").eval(), "opi", calib=[x])
        data_theta = float(plain.neurons()[0][1].threshold)
        assert data_theta > CAPS[spelling] and theta == pytest.approx(CAPS[spelling])
    with torch.no_grad():
        ref = model.fc(model.conv(x).clamp(0, theta).flatten(1))
        out = snn(x, 1024).mean(0)
    assert (out - ref).abs().max() < 2e-3 * max(1.0, float(ref.abs().max()))


def test_fixed_clip_threshold_is_the_data_threshold_capped():
    """ReLU6 / Hardtanh(0, m) take data thresholds (here the 99.9th percentile, v0 = θ/2),
    never above m: θ = min(m, data θ)."""
    fc = nn.Linear(2, 2)
    with torch.no_grad():
        fc.weight.copy_(torch.eye(2))
        fc.bias.copy_(torch.tensor([0.0, 10.0]))  # channel 0 below the cap, channel 1 above
    x = torch.rand(256, 2)
    for act in (nn.ReLU6(), nn.Hardtanh(0.0, 6.0)):
        model = nn.Sequential(fc, act, nn.Linear(2, 2)).eval()
        theta = ann2snn.convert(model, "opi", calib=[x], per_channel=True).neurons()[0][1].threshold
        assert theta[1] == pytest.approx(6.0)
        assert float(theta[0]) == pytest.approx(float(torch.quantile(x[:, 0], 0.999)), rel=0.01)
    with pytest.raises(ConversionError, match="Hardtanh"):  # not a clip from 0: no spiking form
        ann2snn.convert(nn.Sequential(fc, nn.Hardtanh(-1.0, 1.0), nn.ReLU(), nn.Linear(2, 2)).eval(),
                        "opi", calib=[x])


def test_shared_relu_module_gets_one_neuron_per_call_site():
    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.relu = nn.Linear(3, 3), nn.Linear(3, 3), nn.ReLU()

        def forward(self, x):
            return self.b(self.relu(self.a(self.relu(x))))

    snn = ann2snn.convert(Shared().eval(), "rate", calib=[torch.rand(4, 3)])
    assert len(snn.neurons()) == 2


def test_residual_network_approaches_ann_at_large_T(tiny_resnet):
    """With max thresholds (no clipping) and v0 = θ/2, the rate error per layer is at most
    θ/(2T); at T = 512 the logits agree within 2 % of their range."""
    x = torch.rand(32, 3, 8, 8)
    snn = ann2snn.convert(tiny_resnet, "rate", calib=[x], v0=0.5)
    out = snn(x, 512).mean(0)
    ref = tiny_resnet(x)
    tol = 0.02 * (ref.max() - ref.min())
    assert (out - ref).abs().max() < tol
    assert (out.argmax(1) == ref.argmax(1)).float().mean() >= 0.9


def test_same_input_twice_same_output_and_batch_independence(tiny_resnet):
    x = torch.rand(8, 3, 8, 8)
    snn = ann2snn.convert(tiny_resnet, "robust", calib=[x])
    first = snn(x, 16)
    snn(torch.rand(3, 3, 8, 8) * 5, 7)  # another run in between must leave nothing behind
    assert torch.equal(snn(x, 16), first)
    assert torch.allclose(snn(x[:2], 16), first[:, :2], atol=1e-5)


def test_summary_lists_every_spiking_layer_with_threshold(tiny_resnet):
    snn = ann2snn.convert(tiny_resnet, "robust", calib=[torch.rand(4, 3, 8, 8)])
    text = snn.summary()
    assert text.count("IF <-") == 3
    assert "θ=" in text and "F.relu" in text and "Tensor.relu" in text


class WithSigmoid(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.pool = nn.MaxPool1d(2)

    def forward(self, x):
        y = F.relu(self.fc(x))
        return torch.sigmoid(y) * y + self.pool(y.unsqueeze(1)).flatten(1).sum()


def test_unsupported_ops_are_all_named_in_one_error():
    with pytest.raises(ConversionError) as err:
        ann2snn.convert(WithSigmoid().eval(), "rate", calib=[torch.rand(2, 4)])
    lines = str(err.value).splitlines()
    assert lines[0].startswith("cannot convert 5 node(s)") and len(lines) == 6  # a line per kind
    for kind in ("1 x sigmoid", "1 x mul", "1 x MaxPool1d (e.g. pool at test_converter.py:",
                 "1 x Tensor.unsqueeze", "1 x Tensor.sum"):
        assert sum(kind in line for line in lines[1:]) == 1, kind
    assert len(err.value.nodes) == 5


def test_maxpool_is_refused_or_replaced_on_request():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8, 2)).eval()
    x = torch.rand(4, 1, 4, 4)
    with pytest.raises(ConversionError, match="max pooling"):
        ann2snn.convert(model, "rate", calib=[x])
    snn = ann2snn.convert(model, "rate", calib=[x], maxpool="avg")
    assert snn.info.maxpool_replaced == ["2"]
    assert isinstance(snn.net.get_submodule("2"), nn.AvgPool2d)


def test_untraceable_model_gets_a_one_line_error_naming_the_users_line():
    class Branchy(nn.Module):
        def forward(self, x):
            return F.relu(x) if x.sum() > 0 else x

    class SizeCheck(nn.Module):
        def forward(self, x):
            if x.shape[1] != 3:
                raise ValueError("3 channels")
            return F.relu(x)

    for model, code in ((Branchy(), "return F.relu(x) if x.sum() > 0 else x"),
                        (SizeCheck(), "if x.shape[1] != 3:")):
        with pytest.raises(ConversionError, match=f"cannot trace {type(model).__name__}") as err:
            ann2snn.convert(model, "rate", calib=[torch.rand(2, 3)])
        assert "\n" not in str(err.value)
        assert "at test_converter.py:" in str(err.value) and f"`{code}`" in str(err.value)


def test_bad_arguments_get_clear_errors(tiny_resnet):
    x = torch.rand(2, 3, 8, 8)
    snn = ann2snn.convert(tiny_resnet, "rate", calib=[x])
    with pytest.raises(ann2snn.Ann2SnnError, match="positive integer"):
        snn(x, 0)
    with pytest.raises(ann2snn.Ann2SnnError, match="calibration data is empty"):
        ann2snn.convert(tiny_resnet, "rate", calib=[])
    with pytest.raises(MethodError, match="needs calibration data"):
        ann2snn.convert(tiny_resnet, "rate")
    with pytest.raises(MethodError, match="unknown method"):
        ann2snn.convert(tiny_resnet, "nope", calib=[x])
    with pytest.raises(MethodError, match="needs qcfs activations"):
        ann2snn.convert(tiny_resnet, "qcfs", calib=[x])
    with pytest.raises(MethodError, match="has no option 'thresh'"):
        ann2snn.convert(tiny_resnet, "rate", calib=[x], thresh="max")
    with pytest.raises(ann2snn.Ann2SnnError, match="does not fit"):
        ann2snn.convert(tiny_resnet, "rate", calib=[torch.rand(2, 1, 8, 8)])


@pytest.mark.parametrize("forward", [
    lambda self, x: self.fc(F.relu(x) - F.relu(x).mean(0)),
    lambda self, x: self.fc(torch.cat([F.relu(x), F.relu(x)], 0)),
    lambda self, x: self.fc(F.relu(x)).sum(),
])
def test_operations_that_mix_samples_are_refused(forward):
    class Mixer(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return forward(self, x)

    with pytest.raises(ConversionError, match="batch dimension"):
        ann2snn.convert(Mixer().eval(), "robust", calib=[torch.rand(4, 4)])


def test_input_skip_connection_aligns_constant_and_spiking_tensors():
    class InputSkip(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 2)

        def forward(self, x):
            return self.b(F.relu(self.a(x)) + x)

    torch.manual_seed(0)
    model = randomize_bn(InputSkip())
    x = torch.rand(16, 4)
    snn = ann2snn.convert(model, "rate", calib=[x], v0=0.5)
    assert torch.allclose(snn(x, 512).mean(0), model(x), atol=0.02)
