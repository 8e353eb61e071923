"""Grad-CAM: against Captum and pytorch-grad-cam, differentiability, hygiene, targets."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from captum.attr import LayerGradCam
from torch import nn

from trustcnn.saliency import (
    METHODS,
    capture_activations,
    get_method,
    gradcam,
    guided_gradcam,
    input_x_gradient,
    upsample,
)

# Captum warns about its own hooks and about inputs that do not require grad.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:captum")


def images(n: int, size: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def captum_gradcam(model: nn.Module, layer: nn.Module, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Captum's LayerGradCam with the ReLU on, normalised like ours (per image, max + 1e-8)."""
    maps = LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)[:, 0]
    return maps / (maps.amax(dim=(1, 2), keepdim=True) + 1e-8)


# features.18.1 is a BatchNorm whose output the next ReLU6(inplace=True) overwrites.
@pytest.mark.parametrize("layer_name", ["features.18", "features.13", "features.18.1"])
@pytest.mark.parametrize("explicit_target", [False, True])
def test_matches_captum_layer_gradcam(mobilenet: nn.Module, layer_name: str, explicit_target: bool) -> None:
    layer = mobilenet.get_submodule(layer_name)
    x = images(3, 64)
    predicted = mobilenet(x).argmax(dim=1)
    target = torch.tensor([1, 4, 7]) if explicit_target else predicted

    ours = gradcam(mobilenet, layer, x, target if explicit_target else None)

    torch.testing.assert_close(ours, captum_gradcam(mobilenet, layer, x, target), atol=1e-5, rtol=0)
    maxima = ours.amax(dim=(1, 2))  # a map is all zero when no channel votes for the class
    assert maxima.gt(0).any() and (maxima.eq(0) | maxima.gt(0.99)).all()


def test_matches_pytorch_grad_cam_at_layer_resolution() -> None:
    """pytorch-grad-cam resizes to the input with cv2 and min-max normalises, so compare on
    a stride-1 CNN (layer resolution = input resolution, the resize is the identity) and
    min-max normalise ours."""
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    torch.manual_seed(4)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 4),
    ).eval()
    x = images(3, 16)
    target = [2, 0, 3]
    with GradCAM(model, target_layers=[model[2]]) as cam:
        theirs = torch.from_numpy(cam(input_tensor=x, targets=[ClassifierOutputTarget(c) for c in target]))

    ours = gradcam(model, model[2], x, torch.tensor(target))
    low = ours.amin(dim=(1, 2), keepdim=True)
    ours = (ours - low) / (ours.amax(dim=(1, 2), keepdim=True) - low + 1e-7)

    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=0)


def test_targets_none_int_and_tensor(relu_cnn: nn.Module) -> None:
    x = images(4, 16)
    predicted = relu_cnn(x).argmax(dim=1)
    layer = relu_cnn[3]

    torch.testing.assert_close(gradcam(relu_cnn, layer, x), gradcam(relu_cnn, layer, x, predicted))
    by_int = gradcam(relu_cnn, layer, x, 2)
    torch.testing.assert_close(by_int, gradcam(relu_cnn, layer, x, torch.full((4,), 2)))
    torch.testing.assert_close(by_int, gradcam(relu_cnn, layer, x, torch.tensor(2)))
    with pytest.raises(ValueError, match="shape"):
        gradcam(relu_cnn, layer, x, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"\[0, 5\)"):
        gradcam(relu_cnn, layer, x, 5)


def test_maps_are_batched_in_unit_interval(relu_cnn: nn.Module) -> None:
    x = images(5, 16)
    maps = gradcam(relu_cnn, relu_cnn[3], x, torch.arange(5))

    assert maps.shape == (5, 8, 8)
    assert maps.min() >= 0 and maps.max() <= 1
    nonzero = maps.amax(dim=(1, 2)) > 0
    assert nonzero.any()
    torch.testing.assert_close(maps.amax(dim=(1, 2))[nonzero], torch.ones(int(nonzero.sum())), atol=1e-3, rtol=0)
    # Batched = one image at a time (float32 sums in another order: ~1e-6 apart).
    alone = torch.cat([gradcam(relu_cnn, relu_cnn[3], x[i : i + 1], i) for i in range(5)])
    torch.testing.assert_close(maps, alone, atol=1e-5, rtol=0)


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Tanh], ids=["relu", "tanh"])
def test_double_backprop_matches_finite_differences(gradcheck_wrt_trainable_weight, activation) -> None:
    """With Tanh after the layer, ∂z/∂A itself depends on the weight: the α path is exercised."""
    assert gradcheck_wrt_trainable_weight(gradcam, activation)


def test_without_create_graph_detached_and_no_grad_left(make_split_net) -> None:
    net = make_split_net()
    maps = gradcam(net, net.trainable, images(2, 8))

    assert maps.grad_fn is None and not maps.requires_grad
    assert all(p.grad is None for p in net.parameters())


def test_works_under_no_grad_on_a_fully_frozen_model(relu_cnn: nn.Module) -> None:
    frozen = relu_cnn.requires_grad_(False)
    x = images(2, 16)
    try:
        with torch.no_grad():
            maps = gradcam(frozen, frozen[3], x, 1)
    finally:
        relu_cnn.requires_grad_(True)
    torch.testing.assert_close(maps, gradcam(relu_cnn, relu_cnn[3], x, 1))


def test_no_hooks_left_even_when_raising(relu_cnn: nn.Module, assert_pristine) -> None:
    before = list(relu_cnn.modules())
    gradcam(relu_cnn, relu_cnn[3], images(2, 16))
    assert_pristine(relu_cnn, before)
    with pytest.raises(ValueError):
        gradcam(relu_cnn, relu_cnn[3], images(2, 16), 99)
    with pytest.raises(RuntimeError):
        gradcam(relu_cnn, relu_cnn[3], torch.randn(2, 1, 16, 16))
    assert_pristine(relu_cnn, before)


def test_one_forward_feeds_cross_entropy_and_map(make_split_net) -> None:
    """The training-loop use: CE and the map from one forward; both backpropagate."""
    net = make_split_net()
    x, y = images(4, 8), torch.tensor([0, 1, 2, 0])
    for create_graph in (False, True):
        net.zero_grad(set_to_none=True)
        with capture_activations(net.trainable) as captured:
            logits = net(x)
        maps = gradcam.from_activations(logits, captured.activations, logits.argmax(1), create_graph=create_graph)
        (F.cross_entropy(logits, y) + maps.mean()).backward()
        assert maps.shape == (4, 8, 8) and maps.requires_grad is create_graph
        assert net.trainable.weight.grad.abs().sum() > 0
    torch.testing.assert_close(maps.detach(), gradcam(net, net.trainable, x))


def test_capture_activations_keeps_the_layer_output_despite_inplace_ops(mobilenet: nn.Module) -> None:
    batchnorm = mobilenet.features[18][1]  # followed by ReLU6(inplace=True)
    with capture_activations(batchnorm) as captured:
        with pytest.raises(RuntimeError, match="no forward pass"):
            captured.activations  # noqa: B018 - reading it is what raises
        mobilenet(images(2, 64))
    assert captured.activations.shape == (2, 1280, 2, 2)
    assert captured.activations.min() < 0  # the pre-ReLU6 values survived
    assert not batchnorm._forward_hooks


def test_upsample_resizes_and_renormalises() -> None:
    maps = torch.rand(3, 4, 4) * torch.tensor([1.0, 5.0, 0.1])[:, None, None]
    for mode in ("bilinear", "nearest", "bicubic"):
        up = upsample(maps, (16, 12), mode=mode)
        assert up.shape == (3, 16, 12)
        assert up.min() >= 0
        torch.testing.assert_close(up.amax(dim=(1, 2)), torch.ones(3), atol=1e-6, rtol=0)


def test_methods_by_name() -> None:
    assert get_method("gradcam") is gradcam and get_method("guided_gradcam") is guided_gradcam
    assert get_method("input_x_gradient") is input_x_gradient
    assert set(METHODS) == {"gradcam", "guided_gradcam", "input_x_gradient", "occlusion"}
    with pytest.raises(
        ValueError, match="unknown saliency method 'x'; choose one of: gradcam, guided_gradcam, input_x_gradient, occlusion"
    ):
        get_method("x")
