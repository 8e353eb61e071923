"""Grad-CAM (Selvaraju et al., 2017): channels weighted by their mean gradient (DESIGN §1, eq. 2–3)."""

from __future__ import annotations

from torch import Tensor, nn

from trustcnn.saliency.cam import cam_from_activations, layer_cam


def gradcam_weights(activations: Tensor, gradients: Tensor) -> Tensor:
    """α_k = mean_ij ∂z_c/∂A_kij, shape [B, C]."""
    return gradients.mean(dim=(2, 3))


def gradcam_from_activations(
    logits: Tensor, activations: Tensor, target: Tensor | None = None, create_graph: bool = False
) -> Tensor:
    """Grad-CAM [B, h, w] in [0, 1] from a forward pass the caller already ran.

    For training loops: capture A with :func:`~trustcnn.saliency.capture_activations`
    around the forward that also feeds the cross entropy. ``target`` defaults to the
    predicted class; ``create_graph=True`` makes the map trainable (double backprop).
    """
    return cam_from_activations(logits, activations, target, gradcam_weights, create_graph)


def gradcam(
    model: nn.Module, layer: nn.Module, x: Tensor, target: Tensor | int | None = None, create_graph: bool = False
) -> Tensor:
    """Grad-CAM [B, h, w] at ``layer``'s output resolution, each map in [0, 1].

    ``target``: ``None`` (the predicted class), one int for every image, or a LongTensor [B].
    Detached unless ``create_graph``. Leaves no hooks and no ``.grad`` behind.
    """
    return layer_cam(model, layer, x, target, gradcam_weights, create_graph)
