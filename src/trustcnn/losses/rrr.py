"""Right for the Right Reasons (Ross et al., 2017): a comparator from the related work.

Penalises input-gradient mass outside the object: ``mean_b Σ_{c,i,j} ((1 − M_bij) ·
∂(Σ_k log p_bk)/∂x_bcij)²``. Unlike eq. 7 it is told where the object is.
"""

from __future__ import annotations

from torch import Tensor


def rrr_penalty(input_grads: Tensor, masks: Tensor) -> Tensor:
    """``input_grads`` ``[B, C, H, W]`` of the summed log-probabilities; ``masks`` ``[B, H, W]``."""
    if input_grads.shape[0] != masks.shape[0] or input_grads.shape[-2:] != masks.shape[-2:]:
        raise ValueError(f"input gradients {tuple(input_grads.shape)} and masks {tuple(masks.shape)} don't match")
    outside = (1.0 - masks.to(input_grads.dtype)).unsqueeze(1)
    return (outside * input_grads).pow(2).flatten(1).sum(dim=1).mean()
