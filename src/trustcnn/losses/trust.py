"""The saliency-penalised loss of Halliwell & Lecue (2020), eq. 4–7, and its companions.

The paper's copy lost its equations; this is *our reading* of its prose and footnote
(see DESIGN.md §1), not a verbatim transcription:

- (4) ``R = mean(S)`` over all dimensions: penalises maps that light up everything.
- (5) ``P_wrong = mean_b(1[ŷ≠y] · mean(S_b))``: large saliency behind a wrong label.
- (6) ``P_right = mean_b(1[ŷ=y] · (1 − mean(S_b)))``: small saliency behind a right label.
- (7) ``L = λ·CE/K + (1−λ)·R/K + w_wrong·P_wrong + w_right·P_right`` — λ trades cross
  entropy against R, both divided by the number of classes K to lie in [0, 1].

Every weight is a parameter, so the paper's ablations (eq. 5 or eq. 6 term off) are
configurations. ``S`` are per-image maps in [0, 1] (max-normalised Grad-CAM or Guided
Grad-CAM) computed on the forward pass for the *predicted* class, i.e. the map a user
would be shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor

from trustcnn.losses.rrr import rrr_gradcam_penalty, rrr_penalty


@dataclass(frozen=True)
class TrustWeights:
    """Weights of eq. 7 (λ, w5, w6), the mask-supervised term (eq. 8–10) and the RRR
    comparators (on input gradients, and on the Grad-CAM map)."""

    lam: float = 0.5
    w_wrong: float = 1.0
    w_right: float = 1.0
    w_mask: float = 0.0
    w_rrr: float = 0.0
    w_rrr_gradcam: float = 0.0

    @property
    def needs_masks(self) -> bool:
        return self.w_mask > 0 or self.w_rrr > 0 or self.w_rrr_gradcam > 0

    def relative_to_ce(self, num_classes: int) -> dict[str, float]:
        """Each active term's weight relative to plain (unscaled) cross entropy.

        Eq. 7 weighs cross entropy by λ/K, so a term of weight ``w`` counts ``w·K/λ`` times
        as much as CE would in a loss written ``CE + w'·term`` (how Ross et al. and most
        papers write RRR): ``w_rrr = 0.001`` with K = 5 and λ = 1 is ``w' = 0.005``, and the
        same ``w`` means twice as much on ten classes as on five. Empty when λ = 0 (no CE).
        """
        if self.lam == 0:
            return {}
        scale = num_classes / self.lam
        weights = {
            "reg_confidence": (1.0 - self.lam) / self.lam,
            "penalty_wrong": self.w_wrong * scale,
            "penalty_right": self.w_right * scale,
            "loss_mask": self.w_mask * scale,
            "penalty_rrr": self.w_rrr * scale,
            "penalty_rrr_gradcam": self.w_rrr_gradcam * scale,
        }
        return {term: weight for term, weight in weights.items() if weight > 0}

    def __post_init__(self) -> None:
        if not 0.0 <= self.lam <= 1.0:
            raise ValueError(f"lam must lie in [0, 1], got {self.lam}")
        for name in ("w_wrong", "w_right", "w_mask", "w_rrr", "w_rrr_gradcam"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be ≥ 0, got {getattr(self, name)}")


def saliency_terms(maps: Tensor, correct: Tensor) -> dict[str, Tensor]:
    """Eq. 4–6 for maps ``[B, h, w]`` in [0, 1] and a boolean ``correct`` ``[B]``."""
    per_image = maps.flatten(1).mean(dim=1)
    right = correct.to(per_image.dtype)
    return {
        "reg_confidence": per_image.mean(),
        "penalty_wrong": ((1.0 - right) * per_image).mean(),
        "penalty_right": (right * (1.0 - per_image)).mean(),
    }


def mask_bce(maps: Tensor, masks: Tensor) -> Tensor:
    """Eq. 8–10: pixel-wise cross entropy between the map, upsampled (bilinear) to the
    mask's resolution, and the object mask ``[B, H, W]``."""
    if maps.shape[0] != masks.shape[0]:
        raise ValueError(f"{maps.shape[0]} maps but {masks.shape[0]} masks")
    if maps.shape[-2:] != masks.shape[-2:]:
        maps = F.interpolate(maps.unsqueeze(1), size=masks.shape[-2:], mode="bilinear", align_corners=False).squeeze(1)
    return F.binary_cross_entropy(maps.clamp(1e-6, 1 - 1e-6), masks.to(maps.dtype))


def trust_loss(
    logits: Tensor,
    targets: Tensor,
    maps: Tensor,
    weights: TrustWeights,
    masks: Tensor | None = None,
    input_grads: Tensor | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """Eq. 7, plus ``w_mask · BCE`` (eq. 8–10), ``w_rrr · RRR`` and ``w_rrr_gradcam ·
    RRR-GC`` when those weights are on; returns the loss and every term.

    ``masks`` (``[B, H, W]``) are needed when any of those is on, and ``input_grads``
    (∂Σ log p/∂x, ``[B, C, H, W]``) when ``w_rrr`` is.
    """
    k = logits.shape[1]
    ce = F.cross_entropy(logits, targets)
    correct = logits.argmax(dim=1) == targets
    terms = {"loss_ce": ce, **saliency_terms(maps, correct)}
    loss = (
        weights.lam * ce / k
        + (1.0 - weights.lam) * terms["reg_confidence"] / k
        + weights.w_wrong * terms["penalty_wrong"]
        + weights.w_right * terms["penalty_right"]
    )
    if weights.needs_masks and masks is None:
        raise ValueError("w_mask, w_rrr and w_rrr_gradcam > 0 need object masks, and this data has none")
    if weights.w_mask > 0:
        terms["loss_mask"] = mask_bce(maps, masks)
        loss = loss + weights.w_mask * terms["loss_mask"]
    if weights.w_rrr > 0:
        if input_grads is None:
            raise ValueError("w_rrr > 0 needs input gradients")
        terms["penalty_rrr"] = rrr_penalty(input_grads, masks)
        loss = loss + weights.w_rrr * terms["penalty_rrr"]
    if weights.w_rrr_gradcam > 0:
        terms["penalty_rrr_gradcam"] = rrr_gradcam_penalty(maps, masks)
        loss = loss + weights.w_rrr_gradcam * terms["penalty_rrr_gradcam"]
    return loss, terms
