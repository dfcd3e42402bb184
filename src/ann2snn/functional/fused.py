"""QCFS and clip ReLU as single autograd functions, for training (docs/methods.md#activations).

Each computes exactly the values of its composite definition (:func:`qcfs_reference`,
:func:`clip_relu_reference`) and the gradients autograd would give it, λ's included, but
with one intermediate buffer in the forward pass, a gradient mask saved as a float whose
sign is the mask (so that the backward pass is ReLU's own kernel), and no other saved
intermediate:

- QCFS: ``a = λ·clamp(floor(z·L/λ + φ)/L, 0, 1)``; ``∂a/∂z = m``, ``∂a/∂λ = a/λ − m·z/λ``
  with ``m = [0 ≤ floor(z·L/λ + φ) ≤ L]`` (straight-through floor, clamp bounds included);
- clip: ``a = clamp(z, 0, λ)``; ``∂a/∂z = [0 < z < λ]``, ``∂a/∂λ = [z ≥ λ]`` (λ > 0).

Both keep the memory layout of ``z`` (channels-last stays channels-last).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ann2snn.functional.quantize import ste_floor


def qcfs_reference(z: Tensor, lam: Tensor, levels: int, shift: float = 0.5) -> Tensor:
    """The composite QCFS, op by op: the specification the fused form is tested against."""
    return lam * torch.clamp(ste_floor(z * levels / lam + shift) / levels, 0.0, 1.0)


def clip_relu_reference(z: Tensor, lam: Tensor) -> Tensor:
    """The composite clip ReLU: ``relu(z)`` below λ, λ from there on."""
    return torch.where(z < lam, torch.relu(z), lam)


def _dot(a: Tensor, b: Tensor) -> Tensor:
    """``Σ a·b`` in one pass when both share a dense layout, else by a product."""
    if a.is_contiguous() and b.is_contiguous():
        return torch.dot(a.view(-1), b.view(-1))
    last = torch.channels_last
    if a.dim() == 4 and a.is_contiguous(memory_format=last) and b.is_contiguous(memory_format=last):
        return torch.dot(a.permute(0, 2, 3, 1).reshape(-1), b.permute(0, 2, 3, 1).reshape(-1))
    return (a * b).sum()


def _like(grad: Tensor, z: Tensor) -> Tensor:
    """``grad`` in the memory layout of ``z`` (ops on mixed layouts are several times slower,
    and a gradient in the wrong layout slows every layer below)."""
    if z.dim() == 4 and not z.is_contiguous() and z.is_contiguous(memory_format=torch.channels_last):
        return grad.contiguous(memory_format=torch.channels_last)
    return grad.contiguous() if z.is_contiguous() else grad


def _pass_where_positive(grad: Tensor, w: Tensor) -> Tensor:
    """``grad·[w > 0]`` in one pass (ReLU's own backward kernel)."""
    return torch.ops.aten.threshold_backward(grad, w, 0)


class _QCFS(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z: Tensor, lam: Tensor, levels: int, shift: float) -> Tensor:
        f = torch.mul(z, levels).div_(lam).add_(shift).floor_()
        # w > 0 exactly where 0 ≤ f ≤ L (f is an integer): the straight-through window
        w = torch.rsub(f, levels).mul_(f).add_(0.5) if ctx.needs_input_grad[0] or \
            ctx.needs_input_grad[1] else None
        out = f.div_(levels).clamp_(0.0, 1.0).mul_(lam)
        ctx.save_for_backward(z, lam, out, w)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        z, lam, out, w = ctx.saved_tensors
        grad = _like(grad, z)
        grad_z = _pass_where_positive(grad, w)
        grad_lam = None
        if ctx.needs_input_grad[1]:
            grad_lam = ((_dot(grad, out) - _dot(grad_z, z)) / lam).to(lam.dtype).reshape(lam.shape)
        return grad_z, grad_lam, None, None


class _Clip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z: Tensor, lam: Tensor) -> Tensor:
        out = torch.clamp(z, min=torch.zeros_like(lam), max=lam)
        ctx.save_for_backward(lam, out)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        lam, out = ctx.saved_tensors
        grad = _like(grad, out)
        below = torch.sub(lam, out)  # > 0 where z < λ
        grad_lam = None
        if ctx.needs_input_grad[1]:  # Σ grad·[z ≥ λ]
            grad_lam = (grad.sum() - _pass_where_positive(grad, below).sum()).to(lam.dtype)
            grad_lam = grad_lam.reshape(lam.shape)
        grad_z = _pass_where_positive(grad, below.mul_(out))  # 0 < z < λ
        return grad_z, grad_lam


def qcfs(z: Tensor, lam: Tensor, levels: int, shift: float = 0.5) -> Tensor:
    """QCFS ``λ·clamp(floor(z·L/λ + φ)/L, 0, 1)`` in one autograd function."""
    return _QCFS.apply(z, lam, int(levels), float(shift))


def clip_relu(z: Tensor, lam: Tensor) -> Tensor:
    """Clip ReLU ``clamp(z, 0, λ)`` in one autograd function."""
    return _Clip.apply(z, lam)
