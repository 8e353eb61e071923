"""Adversarial examples in plain torch (L∞, inputs in [0, 1]): FGSM (Goodfellow et al., 2015)
and PGD (Madry et al., 2018), both untargeted on the cross entropy of the true label."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _input_gradient(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        (gradient,) = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return gradient


def fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float) -> Tensor:
    """One step of size ``eps`` along the sign of the loss gradient, clipped to [0, 1]."""
    return (x + eps * _input_gradient(model, x, y).sign()).clamp(0.0, 1.0).detach()


def pgd(
    model: nn.Module, x: Tensor, y: Tensor, eps: float, steps: int, step_size: float, generator: torch.Generator | None = None
) -> Tensor:
    """``steps`` signed-gradient steps of ``step_size`` from a uniform random start in the
    ``eps``-ball (no random start without a ``generator``), each projected back into the ball
    and into [0, 1]."""
    adversarial = x.detach()
    if generator is not None:
        noise = torch.rand(x.shape, generator=generator).to(x.device) * 2 - 1
        adversarial = (x + eps * noise).clamp(0.0, 1.0)
    for _ in range(steps):
        stepped = adversarial + step_size * _input_gradient(model, adversarial, y).sign()
        adversarial = torch.min(torch.max(stepped, x - eps), x + eps).clamp(0.0, 1.0).detach()
    return adversarial
