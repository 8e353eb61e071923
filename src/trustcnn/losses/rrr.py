"""Right for the Right Reasons: comparators from the related work that, unlike eq. 7, are
told where the object is.

- :func:`rrr_penalty` — Ross et al. (2017): input-gradient mass outside the object,
  ``mean_b Σ_{c,i,j} ((1 − M_bij) · ∂(Σ_k log p_bk)/∂x_bcij)²``.
- :func:`rrr_gradcam_penalty` — Schramowski et al. (2020), "RRR-GC": the same penalty on
  the Grad-CAM map instead of the input gradient, ``mean_b mean_ij ((1 − M_bij) · S↑_bij)²``
  with ``S↑`` the map upsampled to the mask. It acts where Grad-CAM is taken, so it works
  when only the layer after a frozen backbone trains; Ross's input gradients there are
  dominated by the frozen backbone (measured: README).
"""

from __future__ import annotations

from torch import Tensor

from trustcnn.losses.terms import loss_term
from trustcnn.saliency import upsample


@loss_term("penalty_rrr", weight="w_rrr", uses=("input_grads", "masks"))
def rrr_penalty(input_grads: Tensor, masks: Tensor) -> Tensor:
    """``input_grads`` ``[B, C, H, W]`` of the summed log-probabilities; ``masks`` ``[B, H, W]``."""
    if input_grads.shape[0] != masks.shape[0] or input_grads.shape[-2:] != masks.shape[-2:]:
        raise ValueError(f"input gradients {tuple(input_grads.shape)} and masks {tuple(masks.shape)} don't match")
    outside = (1.0 - masks.to(input_grads.dtype)).unsqueeze(1)
    return (outside * input_grads).pow(2).flatten(1).sum(dim=1).mean()


@loss_term("penalty_rrr_gradcam", weight="w_rrr_gradcam", uses=("maps", "masks"))
def rrr_gradcam_penalty(maps: Tensor, masks: Tensor) -> Tensor:
    """``maps`` ``[B, h, w]`` in [0, 1] (upsampled bilinearly to the masks), ``masks`` ``[B, H, W]``."""
    if maps.shape[0] != masks.shape[0]:
        raise ValueError(f"{maps.shape[0]} maps but {masks.shape[0]} masks")
    upsampled = upsample(maps, (masks.shape[-2], masks.shape[-1]))
    outside = 1.0 - masks.to(upsampled.dtype)
    return (outside * upsampled).pow(2).flatten(1).mean(dim=1).mean()
