"""What every gradient-weighted class activation map shares (the template method).

A method only says how to weigh the channels — ``weigh(activations, gradients) -> [B, C]``,
in its own small file, like pytorch-grad-cam's ``get_cam_weights`` — and this module does
the rest: the hook, ``∂z_c/∂A``, the weighted sum over channels, the ReLU and the
per-image normalisation. Unlike pytorch-grad-cam it stays in torch, batched, and
differentiable w.r.t. the parameters on request (double backprop, DESIGN §1).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from trustcnn.saliency.hooks import capture_activations
from trustcnn.saliency.maps import normalise_per_image
from trustcnn.saliency.targets import Target, resolve_target

ChannelWeights = Callable[[Tensor, Tensor], Tensor]


def cam_from_activations(
    logits: Tensor, activations: Tensor, target: Target, weigh: ChannelWeights, create_graph: bool
) -> Tensor:
    """``normalise(ReLU(Σ_k w_k A_k))`` [B, h, w] for activations A [B, C, h, w] that the
    forward pass producing ``logits`` captured.

    The graph is retained, so the caller can still backpropagate a loss on the same logits
    (cross entropy and the map from one forward pass). With ``create_graph`` the map is
    differentiable w.r.t. everything A and ``∂z_c/∂A`` depend on; without it the map is
    detached. One gradient call serves the whole batch: the score is the sum of each
    image's target logit, exact as long as images don't interact (true in eval mode;
    BatchNorm in train mode couples them, as in every Grad-CAM library).
    """
    if activations.ndim != 4:
        raise ValueError(f"activations must be [B, C, h, w], got shape {tuple(activations.shape)}")
    target = resolve_target(logits, target)
    score = logits.gather(1, target[:, None]).sum()
    (gradients,) = torch.autograd.grad(score, activations, retain_graph=True, create_graph=create_graph)
    if not create_graph:
        activations = activations.detach()
    weights = weigh(activations, gradients)
    return normalise_per_image(torch.relu(torch.einsum("bc,bchw->bhw", weights, activations)))


def layer_cam(
    model: nn.Module, layer: nn.Module, x: Tensor, target: Target, weigh: ChannelWeights, create_graph: bool
) -> Tensor:
    """Run ``model`` on ``x`` with ``layer`` hooked and return its class activation map.

    Gradients are switched on locally, so this also works under ``torch.no_grad()``. The
    model's mode is left alone: call it in eval mode for post-hoc maps.
    """
    with torch.enable_grad(), capture_activations(layer) as captured:
        logits = model(x)
        return cam_from_activations(logits, captured.activations, target, weigh, create_graph)
