"""FGSM and PGD against the gradient worked out by hand for a linear softmax classifier."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trustcnn.robustness import fgsm, pgd


@pytest.fixture
def linear() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5)).eval()


@pytest.fixture
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.rand(8, 3, 4, 4, generator=generator), torch.randint(0, 5, (8,), generator=generator)


def _hand_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """∂ mean CE / ∂x = Wᵀ (softmax − onehot) / N for logits W·x + b."""
    weight = model[1].weight.detach()
    residual = torch.softmax(model(x).detach(), dim=1) - F.one_hot(y, 5).float()
    return (residual @ weight / len(x)).reshape(x.shape)


def test_fgsm_steps_eps_along_the_gradient_sign(linear, batch) -> None:
    x, y = batch
    expected = (x + 0.1 * _hand_gradient(linear, x, y).sign()).clamp(0, 1)
    torch.testing.assert_close(fgsm(linear, x, y, 0.1), expected)


def test_pgd_without_random_start_is_repeated_projected_fgsm(linear, batch) -> None:
    x, y = batch
    eps, step = 0.05, 0.02
    expected = x.clone()
    for _ in range(4):
        stepped = expected + step * _hand_gradient(linear, expected, y).sign()
        expected = torch.min(torch.max(stepped, x - eps), x + eps).clamp(0, 1)
    torch.testing.assert_close(pgd(linear, x, y, eps, steps=4, step_size=step), expected)


def test_pgd_stays_in_the_ball_and_the_image_range_and_is_seeded(split_net) -> None:
    x = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    y = split_net(x).argmax(1)
    eps = 8 / 255
    first = pgd(split_net, x, y, eps, steps=3, step_size=eps / 4, generator=torch.Generator().manual_seed(5))
    again = pgd(split_net, x, y, eps, steps=3, step_size=eps / 4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(first, again)
    assert (first - x).abs().max() <= eps + 1e-6 and first.min() >= 0 and first.max() <= 1
    assert not torch.equal(first, x)


def test_attacks_raise_the_loss(split_net) -> None:
    x = torch.rand(16, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    y = split_net(x).argmax(1)
    clean = F.cross_entropy(split_net(x), y)
    eps = 8 / 255
    assert F.cross_entropy(split_net(fgsm(split_net, x, y, eps)), y) > clean
    assert F.cross_entropy(split_net(pgd(split_net, x, y, eps, 5, eps / 4, torch.Generator().manual_seed(0))), y) > clean
