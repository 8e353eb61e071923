"""Gradients to the input through the frozen backbone (RRR's input gradients, Guided
Grad-CAM's guided ones): first-order VJP forward, forward-mode JVP backward — the same loss
and the same gradients for the trainable layer as autograd's double backward through the
whole network."""

from __future__ import annotations

import dataclasses
from functools import partial

import pytest
import torch

from trustcnn.batches import TensorSet
from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.losses import trust_loss
from trustcnn.models import SplitNet, build_model
from trustcnn.saliency.frozen_prefix import frozen_prefix_input_grads
from trustcnn.saliency.guided_backprop import guided_activations, guided_prefix_pass, replayed_activations
from trustcnn.saliency.guided_gradcam import GuidedGradCam
from trustcnn.training import trust_objective


def _model_and_batch(name: str) -> tuple[SplitNet, TensorSet]:
    config = ModelConfig(name=name, backbone_weights="none", **({"width": 4, "new_channels": 8} if name == "small_cnn" else {}))
    model = build_model(config, 3, [0.5] * 3, [0.25] * 3)
    model.set_trainable("trust_layer")
    model.train()
    size = 32 if name == "small_cnn" else 64
    masks = torch.zeros(4, size, size)
    masks[:, size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1
    x = torch.rand(4, 3, size, size, generator=torch.Generator().manual_seed(1))
    return model, TensorSet(x, torch.tensor([0, 1, 2, 0]), masks)


@pytest.mark.parametrize("name", ["small_cnn", "mobilenet_v2"])
def test_rrr_loss_and_trainable_gradients_equal_double_backward(name: str) -> None:
    torch.manual_seed(0)
    model, batch = _model_and_batch(name)
    objective = trust_objective(TrustConfig(lam=1.0, w_wrong=0.0, w_right=0.0, w_rrr=0.5))
    params = model.trainable_parameters()

    loss_fast, logits_fast, _ = objective(model, model.cam_layer, batch, True)
    fast = torch.autograd.grad(loss_fast, params)
    logits, activations, input_grads = objective._through_everything(model, model.cam_layer, batch.x, True, True)
    maps = objective.method.from_activations(logits, activations, logits.argmax(1), create_graph=True)
    loss_slow, _ = trust_loss(logits, batch.y, maps, objective.weights, batch.masks, input_grads)
    slow = torch.autograd.grad(loss_slow, params)

    torch.testing.assert_close(logits_fast, logits)
    torch.testing.assert_close(loss_fast, loss_slow)
    for a, b in zip(fast, slow):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-7)


def test_the_backward_is_the_jacobian_vector_product() -> None:
    """gradcheck of v = J_f(x)ᵀ u in u, float64: its backward must be J_f(x)."""
    torch.manual_seed(0)
    prefix = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.Tanh(), torch.nn.Conv2d(4, 2, 3)).double()
    for p in prefix.parameters():
        p.requires_grad_(False)
    x = torch.rand(2, 3, 6, 6, dtype=torch.float64)
    u = torch.rand(2, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda u: frozen_prefix_input_grads(prefix, x, u), (u,))


@pytest.mark.parametrize(("name", "guide_relu6"), [("small_cnn", False), ("mobilenet_v2", True), ("vgg16", False)])
def test_guided_gradcam_loss_and_trainable_gradients_equal_double_backward(name: str, guide_relu6: bool) -> None:
    """Guided Grad-CAM through the frozen backbone (masks replayed in forward mode) against
    autograd's double backward through the whole network: same maps, loss and gradients."""
    torch.manual_seed(0)
    model, batch = _model_and_batch(name)
    method = GuidedGradCam(guide_relu6=guide_relu6)
    objective = trust_objective(TrustConfig(lam=1.0, w_wrong=0.5, w_right=0.5, w_mask=0.5, saliency_method="guided_gradcam"))
    objective = dataclasses.replace(objective, method=method)
    params = model.trainable_parameters()
    predicted = model(batch.x).argmax(1)

    fast_maps = method.attribute_after(model.prefix, model.suffix, model.cam_layer, batch.x, predicted, create_graph=True)
    slow_maps = method.attribute(model, model.cam_layer, batch.x, predicted, create_graph=True)
    torch.testing.assert_close(fast_maps, slow_maps, rtol=1e-4, atol=1e-6)
    loss_fast, logits, _ = objective(model, model.cam_layer, batch, True)
    fast = torch.autograd.grad(loss_fast, params, retain_graph=True)  # the logits serve the slow loss too
    loss_slow, _ = trust_loss(logits, batch.y, slow_maps, objective.weights, batch.masks)
    slow = torch.autograd.grad(loss_slow, params)

    torch.testing.assert_close(loss_fast, loss_slow, rtol=1e-5, atol=1e-6)
    assert any(g.abs().sum() > 0 for g in fast), "the guided penalty must reach the trainable layer"
    for a, b in zip(fast, slow):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_the_guided_backward_is_the_masked_jacobian_vector_product() -> None:
    """gradcheck in u, float64, through guided ReLUs (a module called twice, like ResNet's):
    the replayed masks make the forward-mode pass the exact adjoint of the guided VJP."""
    torch.manual_seed(0)
    relu = torch.nn.ReLU()
    prefix = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1), relu, torch.nn.Conv2d(4, 4, 3, padding=1), relu, torch.nn.Conv2d(4, 2, 3)
    ).double()
    prefix.requires_grad_(False)
    x = torch.rand(2, 3, 6, 6, dtype=torch.float64)
    u = torch.randn(2, 2, 4, 4, dtype=torch.float64, requires_grad=True)

    def guided(u: torch.Tensor) -> torch.Tensor:
        prefix_pass = guided_prefix_pass(prefix, x)
        rule = partial(replayed_activations, prefix, False, prefix_pass.masks)
        return frozen_prefix_input_grads(prefix, x, u, (prefix_pass.leaf, prefix_pass.output), rule)

    assert torch.autograd.gradcheck(guided, (u,))
    leaf = x.clone().requires_grad_(True)
    with guided_activations(prefix):
        (expected,) = torch.autograd.grad(prefix(leaf), leaf, u)
    torch.testing.assert_close(guided(u), expected)
