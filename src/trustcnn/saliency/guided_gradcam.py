"""Guided Grad-CAM: guided backprop ⊙ upsampled Grad-CAM, at input resolution (DESIGN §1)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trustcnn.saliency.gradcam import gradcam_from_activations
from trustcnn.saliency.guided_backprop import guided_backprop
from trustcnn.saliency.hooks import capture_activations
from trustcnn.saliency.maps import normalise_per_image, upsample
from trustcnn.saliency.targets import resolve_target


def guided_gradcam(
    model: nn.Module,
    layer: nn.Module,
    x: Tensor,
    target: Tensor | int | None = None,
    create_graph: bool = False,
    *,
    interpolate_mode: str = "bilinear",
    guide_relu6: bool = False,
) -> Tensor:
    """Guided Grad-CAM [B, H, W] in [0, 1] for inputs ``x`` [B, C, H, W].

    ``normalise(Σ_c |guided_backprop| ⊙ upsample(gradcam))``, per image. Two forward
    passes: Grad-CAM needs ordinary gradients through the layers after ``layer``, the
    guided map needs guided ones (see :mod:`trustcnn.saliency.guided_backprop` for which
    activations are guided, and ``guide_relu6``). Both explain the same class: ``target``,
    or the class predicted by the first pass. In train mode, dropout draws differently in
    the two passes. ``create_graph=True`` makes the map differentiable w.r.t. the
    parameters; otherwise it is detached. The model comes back unchanged.
    """
    with torch.enable_grad(), capture_activations(layer) as captured:
        logits = model(x)
        target = resolve_target(logits, target)
        cam = gradcam_from_activations(logits, captured.activations, target, create_graph)
    guided = guided_backprop(model, x, target, create_graph, guide_relu6=guide_relu6).abs().sum(dim=1)
    return normalise_per_image(guided * upsample(cam, tuple(x.shape[-2:]), interpolate_mode))
