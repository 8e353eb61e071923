"""Input × gradient and occlusion — the attributions no loss trains on — against Captum."""

from __future__ import annotations

import pytest
import torch
from captum.attr import InputXGradient, Occlusion
from torch import nn

from trustcnn import saliency
from trustcnn.saliency import get_method, input_x_gradient
from trustcnn.saliency.occlusion import occlusion

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:captum")


def _normalised(maps: torch.Tensor) -> torch.Tensor:
    return maps / (maps.amax(dim=(1, 2), keepdim=True) + 1e-8)


def test_input_x_gradient_is_captums_summed_over_channels(relu_cnn: nn.Module) -> None:
    x = torch.rand(4, 3, 16, 16)
    target = relu_cnn(x).argmax(1)
    reference = InputXGradient(relu_cnn).attribute(x.clone().requires_grad_(), target=target).detach()
    ours = input_x_gradient(relu_cnn, None, x)
    torch.testing.assert_close(ours, _normalised(reference.abs().sum(1)), atol=1e-6, rtol=0)
    assert not ours.requires_grad and ours.shape == (4, 16, 16)
    assert get_method("input_x_gradient") is input_x_gradient


@pytest.mark.parametrize("size, window, stride", [(32, 5, 3), (28, 5, 3), (16, 4, 4)])
def test_occlusion_is_captums_positive_part(relu_cnn: nn.Module, size: int, window: int, stride: int) -> None:
    x = torch.rand(3, 3, size, size)
    target = relu_cnn(x).argmax(1)
    reference = Occlusion(relu_cnn).attribute(
        x, target=target, sliding_window_shapes=(3, window, window), strides=(3, stride, stride), baselines=0.5
    )
    ours = saliency.Occlusion(window=window, stride=stride)(relu_cnn, None, x)
    torch.testing.assert_close(ours, _normalised(reference[:, 0].clamp(min=0)), atol=1e-5, rtol=0)


def test_occlusion_cannot_be_trained_through(relu_cnn: nn.Module) -> None:
    with pytest.raises(ValueError, match="no gradient"):
        occlusion(relu_cnn, None, torch.rand(1, 3, 8, 8), create_graph=True)
    with pytest.raises(ValueError, match="window"):
        saliency.Occlusion(window=9)(relu_cnn, None, torch.rand(1, 3, 8, 8))
