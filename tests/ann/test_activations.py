import torch

import ann2snn
from ann2snn.ann import BitSparsityRegularizer, bit_sparsity, popcount


def test_qcfs_equation_and_straight_through_gradient():
    q = ann2snn.QCFS(levels=4, lam=2.0)
    z = torch.tensor([-1.0, 0.1, 0.3, 0.76, 1.24, 2.5], requires_grad=True)
    a = q(z)
    # λ·clamp(floor(z·L/λ + 1/2)/L, 0, 1) by hand: floor(-1.5)=-2->0, floor(0.7)=0, floor(1.1)=1, ...
    assert a.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0, 2.0]
    a.sum().backward()
    assert z.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 0.0]  # identity inside the clip range
    assert q.lam.grad is not None


def test_clip_relu_clamps_at_trainable_lambda():
    c = ann2snn.ClipReLU(1.5)
    z = torch.tensor([-1.0, 0.5, 3.0])
    out = c(z)
    assert out.tolist() == [0.0, 0.5, 1.5]
    out.sum().backward()
    assert float(c.lam.grad) == 1.0


def test_popcount_and_surrogate_gradient():
    assert popcount(torch.tensor([0, 1, 2, 3, 7, 8, 15]), 4).tolist() == [0, 1, 1, 2, 3, 1, 4]
    lam = torch.tensor(1.5)
    a = torch.tensor([0.0, 0.1, 0.3, 1.5], requires_grad=True)  # q = round(a·15/1.5) = 0,1,3,15
    loss = bit_sparsity(a, lam, 15)
    assert float(loss.detach()) == 0 + 1 + 2 + 4
    loss.backward()
    assert torch.allclose(a.grad, torch.full((4,), 15 / 1.5))


def test_regularizer_lowers_set_bits_when_trained():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 32), ann2snn.QCFS(levels=15, lam=2.0))
    reg = BitSparsityRegularizer(model, beta=1.0)
    x = torch.randn(256, 8)
    opt = torch.optim.SGD(model[0].parameters(), lr=1e-3)
    model(x)
    first = float(reg().detach())
    for _ in range(50):
        model(x)
        loss = reg()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model(x)
    assert float(reg().detach()) < 0.8 * first
