import torch
from torch import nn

from ann2snn.conversion.fold_bn import fold_batchnorm
from ann2snn.graph.sites import canonicalize_activations
from ann2snn.graph.trace import trace

from conftest import randomize_bn


def test_folding_leaves_outputs_unchanged(tiny_resnet):
    x = torch.randn(8, 3, 8, 8)
    gm = trace(tiny_resnet)
    canonicalize_activations(gm)
    before = gm(x)
    assert fold_batchnorm(gm) == 3
    assert not any(isinstance(m, nn.BatchNorm2d) for m in gm.modules())
    assert torch.allclose(gm(x), before, atol=1e-5)


def test_linear_bn1d_folds_and_orphan_bn_stays():
    model = randomize_bn(nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(),
                                       nn.BatchNorm1d(6), nn.Linear(6, 2)))
    x = torch.randn(5, 4)
    gm = trace(model)
    before = gm(x)
    assert fold_batchnorm(gm) == 1  # the BN after the ReLU has no linear layer to fold into
    assert torch.allclose(gm(x), before, atol=1e-5)
