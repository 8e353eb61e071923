"""Input gradients through the frozen backbone: first-order VJP forward, forward-mode JVP
backward — the same loss and the same gradients for the trainable layer as autograd's
double backward through the whole network."""

from __future__ import annotations

import pytest
import torch

from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.models import build_model
from trustcnn.training import TensorSet, trust_objective
from trustcnn.training.input_gradients import frozen_prefix_input_grads


@pytest.mark.parametrize("name", ["small_cnn", "mobilenet_v2"])
def test_rrr_loss_and_trainable_gradients_equal_double_backward(name: str) -> None:
    torch.manual_seed(0)
    config = ModelConfig(name=name, backbone_weights="none", **({"width": 4, "new_channels": 8} if name == "small_cnn" else {}))
    model = build_model(config, 3, [0.5] * 3, [0.25] * 3)
    model.set_trainable("trust_layer")
    model.train()
    size = 32 if name == "small_cnn" else 64
    masks = torch.zeros(4, size, size)
    masks[:, size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 1
    batch = TensorSet(torch.rand(4, 3, size, size, generator=torch.Generator().manual_seed(1)), torch.tensor([0, 1, 2, 0]), masks)
    objective = trust_objective(TrustConfig(lam=1.0, w_wrong=0.0, w_right=0.0, w_rrr=0.5))
    params = model.trainable_parameters()

    loss_fast, logits_fast, _ = objective(model, model.cam_layer, batch, True)
    fast = torch.autograd.grad(loss_fast, params)
    logits, activations, input_grads = objective._through_everything(model, model.cam_layer, batch.x, True)
    from trustcnn.losses import trust_loss

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
