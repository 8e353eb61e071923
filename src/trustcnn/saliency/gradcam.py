"""Grad-CAM (Selvaraju et al., 2017): channels weighted by their mean gradient.

``α_k = mean_ij ∂z_c/∂A_kij`` and ``S = ReLU(Σ_k α_k A_k)``, normalised per image.
"""

from __future__ import annotations

from torch import Tensor

from trustcnn.saliency.base import ClassActivationMap


class GradCam(ClassActivationMap):
    name = "gradcam"

    def weigh(self, activations: Tensor, gradients: Tensor) -> Tensor:
        """α_k = mean_ij ∂z_c/∂A_kij, shape [B, C]."""
        return gradients.mean(dim=(2, 3))


gradcam = GradCam()
"""``gradcam(model, layer, x, target=None, create_graph=False)``: Grad-CAM [B, h, w] at
``layer``'s output resolution, each map in [0, 1]; ``target`` is ``None`` (the predicted
class), one int for every image, or a LongTensor [B]."""
