"""The fused QCFS and clip ReLU equal their composite definitions: values bit for bit,
gradients (input and λ) to rounding, in both memory layouts, at the boundaries."""

import pytest
import torch

from ann2snn.functional.fused import clip_relu, clip_relu_reference, qcfs, qcfs_reference


def _inputs(lam: float, levels: int, layout) -> torch.Tensor:
    """Random values plus the boundaries: 0, λ, just around them, and exact level edges
    (``z·L/λ + φ`` an integer) below, inside and above the clip range."""
    torch.manual_seed(0)
    z = torch.randn(4, 6, 5, 5) * lam
    edges = torch.tensor([(k - 0.5) * lam / levels for k in range(-1, levels + 3)])
    special = torch.cat([torch.tensor([0.0, -0.0, lam, lam * (1 + 1e-7), -1e-7, 1e-7]), edges])
    z.view(-1)[: special.numel()] = special
    return z.contiguous(memory_format=layout)


def _grads(fn, z, lam, *args):
    z = z.detach().clone().requires_grad_(True)
    lam = torch.tensor(lam, requires_grad=True)
    out = fn(z, lam, *args)
    g = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
    out.backward(g)
    return out.detach(), z.grad, lam.grad


LAYOUTS = [torch.contiguous_format, torch.channels_last]


@pytest.mark.parametrize("layout", LAYOUTS, ids=["contiguous", "channels_last"])
@pytest.mark.parametrize("lam, levels", [(2.0, 4), (3.0, 4), (1.7, 8), (5.3, 15)])
def test_fused_qcfs_equals_the_composite(layout, lam, levels):
    z = _inputs(lam, levels, layout)
    out, gz, gl = _grads(qcfs, z, lam, levels)
    ref, rz, rl = _grads(qcfs_reference, z, lam, levels)
    assert torch.equal(out, ref)  # values bit for bit, level edges included
    assert torch.allclose(gz, rz, atol=1e-6) and torch.equal(gz != 0, rz != 0)
    assert torch.allclose(gl, rl, rtol=1e-4, atol=1e-4)
    assert out.is_contiguous(memory_format=layout) and gz.is_contiguous(memory_format=layout)


@pytest.mark.parametrize("layout", LAYOUTS, ids=["contiguous", "channels_last"])
@pytest.mark.parametrize("lam", [1.0, 2.5])
def test_fused_clip_relu_equals_the_composite(layout, lam):
    z = _inputs(lam, 4, layout)
    out, gz, gl = _grads(clip_relu, z, lam)
    ref, rz, rl = _grads(clip_relu_reference, z, lam)
    assert torch.equal(out, ref)
    assert torch.equal(gz, rz)  # 1 strictly inside (0, λ), else 0
    assert torch.allclose(gl, rl, rtol=1e-5, atol=1e-5)
    assert out.is_contiguous(memory_format=layout)


def test_the_qcfs_gradient_by_hand():
    """λ = 2, L = 4, φ = ½: z = 0.3 → floor(1.1) = 1, a = 0.5; ∂a/∂λ = a/λ − z/λ = 0.1.
    z = 5 → clipped: ∂a/∂z = 0, ∂a/∂λ = 1. z = −1 → 0, no gradient."""
    z = torch.tensor([0.3, 5.0, -1.0], requires_grad=True)
    lam = torch.tensor(2.0, requires_grad=True)
    out = qcfs(z, lam, 4)
    assert out.tolist() == [0.5, 2.0, 0.0]
    out[0].backward()
    assert z.grad.tolist() == [1.0, 0.0, 0.0] and float(lam.grad) == pytest.approx(0.1)
    z.grad, lam.grad = None, None
    out = qcfs(z, lam, 4)
    (out[1] + out[2]).backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0] and float(lam.grad) == pytest.approx(1.0)


def test_inference_saves_no_mask():
    with torch.no_grad():
        out = qcfs(torch.randn(3, 4), torch.tensor(1.0), 4)
    assert out.grad_fn is None
