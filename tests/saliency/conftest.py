"""Small seeded models shared by the saliency tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torchvision
from torch import nn
from torch.func import functional_call


@pytest.fixture(scope="session")
def mobilenet() -> nn.Module:
    """torchvision's mobilenet_v2, random weights, eval mode, BatchNorm recalibrated.

    With default running statistics a randomly initialised mobilenet_v2 shrinks its
    activations ~1e9-fold by ``features[18]``, so every raw map would sit far below the
    1e-8 of the normalisation. One train-mode pass with cumulative statistics fixes that.
    """
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None, num_classes=10)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = None
            module.reset_running_stats()
    with torch.no_grad():
        model.train()(torch.randn(8, 3, 64, 64))
    return model.eval()


@pytest.fixture(scope="session")
def relu_cnn() -> nn.Sequential:
    """nn.ReLU everywhere (one in place, and ReLUs after the Grad-CAM layer ``[3]``).

    The head is scaled to a trained network's logit range: at default init the input
    gradients are ~1e-4, where the normalisation's 1e-8 would show at the 1e-4 level.
    """
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(16, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 5),
    )
    with torch.no_grad():
        model[-1].weight.mul_(100)
    return model.eval()


class SplitNet(nn.Module):
    """Frozen conv → one trainable conv → pooling → frozen linear head (paper §3.2)."""

    def __init__(self, activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.frozen = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
        self.trainable = nn.Conv2d(4, 6, 3, padding=1)
        self.head = nn.Sequential(activation(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))
        for p in [*self.frozen.parameters(), *self.head.parameters()]:
            p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trainable(self.frozen(x)))


@pytest.fixture
def make_split_net() -> Callable[..., SplitNet]:
    """Seeded :class:`SplitNet` factory: ``make_split_net(activation=nn.ReLU, dtype=torch.float32)``."""

    def make(activation: Callable[[], nn.Module] = nn.ReLU, dtype: torch.dtype = torch.float32) -> SplitNet:
        torch.manual_seed(2)
        return SplitNet(activation).to(dtype).eval()

    return make


@pytest.fixture
def assert_pristine() -> Callable[[nn.Module, list[nn.Module]], None]:
    """Check that ``model`` holds the same modules as ``before`` (``list(model.modules())``
    taken earlier), none with a hook or a patched ``forward``."""

    def check(model: nn.Module, before: list[nn.Module]) -> None:
        after = list(model.modules())
        assert len(after) == len(before) and all(a is b for a, b in zip(after, before))
        for module in after:
            assert not module._forward_hooks and not module._forward_pre_hooks
            assert not module._backward_hooks and not module._backward_pre_hooks
            assert "forward" not in module.__dict__

    return check


class _WithTrainableWeight(nn.Module):
    """``net`` run with ``weight`` as its trainable conv's weight, so gradcheck can perturb it."""

    def __init__(self, net: SplitNet, weight: torch.Tensor) -> None:
        super().__init__()
        self.net = net
        self.weight = weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional_call(self.net, {"trainable.weight": self.weight}, (x,))


@pytest.fixture
def gradcheck_wrt_trainable_weight(make_split_net: Callable[..., SplitNet]) -> Callable[..., bool]:
    """Finite differences vs. double backprop: d(map)/d(trainable conv weight), float64."""

    def check(method: Callable[..., torch.Tensor], activation: Callable[[], nn.Module] = nn.ReLU) -> bool:
        net = make_split_net(activation, torch.float64)
        x = torch.randn(2, 3, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
        weight = net.trainable.weight.detach().clone().requires_grad_()

        def saliency(w: torch.Tensor) -> torch.Tensor:
            return method(_WithTrainableWeight(net, w), net.trainable, x, 0, create_graph=True)

        return torch.autograd.gradcheck(saliency, (weight,), eps=1e-6, atol=1e-5)

    return check
