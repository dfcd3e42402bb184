"""Distillation from the network being fine-tuned (docs/methods.md#fine-tuning).

``loss = (1 − α)·CE(s, y) + α·τ²·KL(softmax(t/τ) ‖ softmax(s/τ))`` with ``s`` the student's
logits (the QCFS/clip network being trained), ``t`` the teacher's (the ReLU network its
weights came from, frozen, in eval mode) and ``τ`` the temperature (Hinton et al. 2015:
``τ²`` keeps the soft term's gradient on the scale of the hard one). The KL is the mean over
the batch of ``Σ_k p_k (log p_k − log q_k)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def distillation_loss(student: Tensor, teacher: Tensor, labels: Tensor, alpha: float,
                      temperature: float) -> Tensor:
    """``(1 − α)·CE + α·τ²·KL(teacher ‖ student)`` at temperature ``τ`` (batch mean)."""
    hard = F.cross_entropy(student, labels)
    if alpha == 0:
        return hard
    log_q = F.log_softmax(student / temperature, dim=-1)
    log_p = F.log_softmax(teacher / temperature, dim=-1)
    soft = F.kl_div(log_q, log_p, reduction="batchmean", log_target=True)
    return (1 - alpha) * hard + alpha * temperature ** 2 * soft


class Distillation:
    """The training criterion ``(logits, labels, x) -> loss`` with a frozen ``teacher``."""

    def __init__(self, teacher: nn.Module, alpha: float, temperature: float):
        self.teacher = teacher.eval().requires_grad_(False)
        self.alpha, self.temperature = float(alpha), float(temperature)

    def __call__(self, logits: Tensor, labels: Tensor, x: Tensor) -> Tensor:
        with torch.no_grad():
            target = self.teacher(x).float()
        return distillation_loss(logits.float(), target, labels, self.alpha, self.temperature)
