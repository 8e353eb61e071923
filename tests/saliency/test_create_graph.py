"""Every differentiable saliency method is differentiable w.r.t. the trainable layer, and only it."""

import pytest
import torch

from trustcnn.saliency import METHODS

DIFFERENTIABLE = [name for name, method in METHODS.items() if method.differentiable]


def test_only_occlusion_has_no_gradient() -> None:
    assert set(METHODS) - set(DIFFERENTIABLE) == {"occlusion"}


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_create_graph_trains_only_the_trainable_layer(make_split_net, name: str) -> None:
    net = make_split_net()
    maps = METHODS[name](net, net.trainable, torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0)), create_graph=True)
    maps.mean().backward()

    assert net.trainable.weight.grad is not None and net.trainable.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in [*net.frozen.parameters(), *net.head.parameters()])
