"""Guided Grad-CAM and guided backprop: against Captum, ReLU6 convention, gradients, hygiene.

Conventions compared with Captum's ``GuidedGradCam``: Captum returns per-channel, signed
``guided_backprop × upsample(raw Grad-CAM)`` [B, C, H, W]; ours is
``normalise(Σ_c |guided_backprop| × upsample(normalised Grad-CAM))`` [B, H, W]. The
Grad-CAM is ≥ 0, so ``Σ_c |captum| / max`` is ours; the max is taken without ours' 1e-8
because ours adds it on a different scale (Grad-CAM normalised first). Same
``interpolate_mode`` on both sides.
"""

from __future__ import annotations

import pytest
import torch
import torchvision
from captum.attr import GuidedBackprop, GuidedGradCam
from torch import nn

from trustcnn import saliency
from trustcnn.saliency import guided_backprop, guided_gradcam

# Captum warns about its own hooks and about inputs that do not require grad.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:captum")


def images(n: int, size: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def resnet() -> nn.Module:
    """ReLU(inplace=True) modules, each called twice per block."""
    torch.manual_seed(5)
    return torchvision.models.resnet18(weights=None, num_classes=5).eval()


@pytest.fixture(params=["relu_cnn", "resnet"])
def model_and_layer(request: pytest.FixtureRequest) -> tuple[nn.Module, nn.Module, int]:
    if request.param == "relu_cnn":
        model = request.getfixturevalue("relu_cnn")
        return model, model[3], 32
    model = request.getfixturevalue("resnet")
    return model, model.layer3, 64


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_matches_captum_guided_gradcam(model_and_layer, mode: str) -> None:
    model, layer, size = model_and_layer
    x = images(3, size)
    target = model(x).argmax(dim=1)

    theirs = GuidedGradCam(model, layer).attribute(x, target=target, interpolate_mode=mode).abs().sum(dim=1)
    theirs = theirs / theirs.amax(dim=(1, 2), keepdim=True)
    ours = saliency.GuidedGradCam(interpolate_mode=mode)(model, layer, x)

    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)


def test_guided_backprop_matches_captum_exactly(model_and_layer) -> None:
    model, _, size = model_and_layer
    x = images(2, size)
    target = torch.tensor([0, 3])

    torch.testing.assert_close(guided_backprop(model, x, target), GuidedBackprop(model).attribute(x, target=target))


def test_relu6_is_ordinary_by_default_like_captum(mobilenet: nn.Module) -> None:
    x = images(2, 64).requires_grad_()
    (plain,) = torch.autograd.grad(mobilenet(x)[:, 1].sum(), x)

    ours = guided_backprop(mobilenet, x, 1)

    torch.testing.assert_close(ours, plain)
    torch.testing.assert_close(ours, GuidedBackprop(mobilenet).attribute(x, target=1))


def test_guide_relu6_passes_positive_gradients_inside_the_linear_range() -> None:
    weight = torch.tensor([[1.0, -2.0, 3.0, -4.0, 5.0, 6.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    model = nn.Sequential(nn.ReLU6(), nn.Flatten(), nn.Linear(6, 2))
    model[2].weight.data = weight
    x = torch.tensor([2.0, 3.0, -1.0, 1.0, 7.0, 6.0]).reshape(1, 1, 2, 3)
    inside = torch.tensor([1.0, 1.0, 0.0, 1.0, 0.0, 0.0])  # 0 < x < 6

    guided = guided_backprop(model, x, 0, guide_relu6=True).flatten()
    ordinary = guided_backprop(model, x, 0).flatten()

    torch.testing.assert_close(guided, weight[0].clamp(min=0) * inside)
    torch.testing.assert_close(ordinary, weight[0] * inside)


def test_maps_at_input_resolution_in_unit_interval(mobilenet: nn.Module) -> None:
    x = images(3, 64)
    for model_maps in (
        saliency.GuidedGradCam(guide_relu6=True)(mobilenet, mobilenet.features[18], x),
        saliency.GuidedGradCam(interpolate_mode="bicubic")(mobilenet, mobilenet.features[18], x, torch.tensor([0, 1, 2])),
    ):
        assert model_maps.shape == (3, 64, 64)
        assert model_maps.min() >= 0 and model_maps.max() <= 1
        maxima = model_maps.amax(dim=(1, 2))
        assert maxima.gt(0).any() and (maxima.eq(0) | maxima.gt(0.99)).all()


def test_double_backprop_matches_finite_differences(gradcheck_wrt_trainable_weight) -> None:
    assert gradcheck_wrt_trainable_weight(guided_gradcam)


def test_without_create_graph_detached_and_no_grad_left(make_split_net) -> None:
    net = make_split_net()
    maps = guided_gradcam(net, net.trainable, images(2, 8))

    assert maps.grad_fn is None and not maps.requires_grad
    assert all(p.grad is None for p in net.parameters())


class FailsOnSecondForward(nn.Module):
    """Raises during guided_gradcam's second (guided) pass and records whether the ReLUs
    were swapped at that moment."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        self.calls = 0
        self.swapped_when_raising = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == 2:
            self.swapped_when_raising = any("forward" in m.__dict__ for m in self.net.modules())
            raise RuntimeError("boom")
        return self.net(x)


def test_model_comes_back_unchanged_even_when_raising(resnet: nn.Module, assert_pristine) -> None:
    before = list(resnet.modules())
    guided_gradcam(resnet, resnet.layer3, images(2, 32))
    assert_pristine(resnet, before)

    with pytest.raises(ValueError):
        guided_backprop(resnet, images(2, 32), 9)  # raises inside the guided pass
    failing = FailsOnSecondForward(resnet)
    with pytest.raises(RuntimeError, match="boom"):
        guided_gradcam(failing, resnet.layer3, images(2, 32))

    assert failing.swapped_when_raising
    assert_pristine(resnet, before)
    assert all(m.inplace for m in resnet.modules() if isinstance(m, nn.ReLU))
