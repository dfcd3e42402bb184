"""Our synaptic operations and MACs against NeuroBench 2.3.0, an independent implementation.

NeuroBench counts, at every call of a conv/linear layer, the non-zero inputs times the
non-zero weights they meet: accumulates when the input is in {-1, 0, 1}, MACs otherwise. So
the networks here have every threshold at 1 (θ folded into the weights: a spike is 1) and no
pooling between spiking layers (a pooled spike is no longer 0/1: NeuroBench would count
MACs there, we count accumulates per spike: a documented convention).
"""

import pytest
import torch
from torch import nn

import ann2snn

neurobench = pytest.importorskip("neurobench", reason="neurobench==2.3.0 is installed by `make "
                                 "install` (--no-deps); absent here")


class Net(nn.Module):
    def __init__(self, residual: bool, activation):
        super().__init__()
        self.residual = residual
        self.c1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.a1 = activation()
        self.c2 = nn.Conv2d(4, 4, 3, padding=1)
        self.a2 = activation()
        self.c3 = nn.Conv2d(4, 6, 2, stride=2)
        self.a3 = activation()
        self.fc = nn.Linear(6 * 2 * 2, 5)

    def forward(self, x):
        a = self.a1(self.c1(x))
        b = self.c2(a)
        b = self.a2(b + a if self.residual else b)
        return self.fc(self.a3(self.c3(b)).flatten(1))


class Steps(nn.Module):
    def __init__(self, snn, steps):
        super().__init__()
        self.snn, self.steps = snn, steps

    def forward(self, x):
        return self.snn(x, self.steps).mean(0)


def neurobench_ops(snn, x, steps):
    from neurobench.metrics.workload import SynapticOperations
    from neurobench.models import TorchModel

    model = TorchModel(Steps(snn, steps))
    model.register_hooks()
    metric = SynapticOperations()
    with torch.no_grad():
        preds = model(x)
    result = metric(model, preds, (x, torch.zeros(x.shape[0])))
    model.cleanup_hooks()
    return result


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("method, options", [
    ("opi", {}), ("qcfs", {"permute": "neuron", "seed": 1}), ("tpp", {"tpp_g": "rate", "seed": 2}),
])
def test_sops_and_macs_equal_neurobench(residual, method, options):
    torch.manual_seed(0)
    kind = (lambda: ann2snn.QCFS(levels=4, lam=1.0)) if method in ("qcfs", "tpp") else \
        (lambda: ann2snn.ClipReLU(1.0))
    model = Net(residual, kind).eval()
    x = torch.rand(6, 3, 8, 8) + 0.05  # no zero input: the analog layer's MACs are dense
    steps = 5
    data = [(x, torch.zeros(6, dtype=torch.long))]
    report = ann2snn.evaluate(model, data, [steps], method, **options)
    snn = ann2snn.convert(model, method, timesteps=steps if method == "tpp" else None, **options)
    for _, neuron in snn.neurons():
        assert float(neuron.threshold) == 1.0
        neuron.count_coded = False  # the next layer sees the emitted spikes themselves
    ours = report["snn"][0]
    theirs = neurobench_ops(snn, x, steps)
    assert theirs["Effective_ACs"] > 0
    assert ours["sops"] == pytest.approx(theirs["Effective_ACs"], rel=1e-12)
    assert ours["macs"] == pytest.approx(theirs["Effective_MACs"], rel=1e-12)
