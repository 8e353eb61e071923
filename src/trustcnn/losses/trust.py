"""The saliency-penalised loss of Halliwell & Lecue (2020), eq. 4–7, and eq. 8–10.

The paper's copy lost its equations; this is *our reading* of its prose and footnote (the
README has it in full), not a verbatim transcription:

- (4) ``R = mean(S)`` over all dimensions: penalises maps that light up everything.
- (5) ``P_wrong = mean_b(1[ŷ≠y] · mean(S_b))``: large saliency behind a wrong label.
- (6) ``P_right = mean_b(1[ŷ=y] · (1 − mean(S_b)))``: small saliency behind a right label.
- (7) ``L = λ·CE/K + (1−λ)·R/K + w_wrong·P_wrong + w_right·P_right`` — λ trades cross
  entropy against R, both divided by the number of classes K to lie in [0, 1].
- (8–10) ``+ w_mask · BCE(upsampled S, M)`` with an object mask M.

Every weight is a parameter, so the paper's ablations (eq. 5 or eq. 6 term off) are
configurations. ``S`` are per-image maps in [0, 1] (max-normalised Grad-CAM or Guided
Grad-CAM) computed on the forward pass for the *predicted* class, i.e. the map a user
would be shown. Terms beyond eq. 7 (eq. 8–10 here, the RRR comparators in
:mod:`trustcnn.losses.rrr`) are registered :mod:`trustcnn.losses.terms`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trustcnn.config import LossWeights
from trustcnn.losses.terms import TERMS, active_terms, loss_term, over_masked
from trustcnn.saliency import upsample
from trustcnn.saliency.postprocess import at_least_fp32


def saliency_terms(maps: Tensor, correct: Tensor) -> dict[str, Tensor]:
    """Eq. 4–6 for maps ``[B, h, w]`` in [0, 1] and a boolean ``correct`` ``[B]``."""
    per_image = maps.flatten(1).mean(dim=1)
    right = correct.to(per_image.dtype)
    return {
        "reg_confidence": per_image.mean(),
        "penalty_wrong": ((1.0 - right) * per_image).mean(),
        "penalty_right": (right * (1.0 - per_image)).mean(),
    }


@loss_term("loss_mask", weight="w_mask", uses=("maps", "masks"))
def mask_bce(maps: Tensor, masks: Tensor) -> Tensor:
    """Eq. 8–10: pixel-wise cross entropy between the map, upsampled (bilinear, not
    renormalised) to the mask's resolution, and the object mask ``[B, H, W]``."""
    if maps.shape[0] != masks.shape[0]:
        raise ValueError(f"{maps.shape[0]} maps but {masks.shape[0]} masks")
    # In fp32 even under autocast: BCE of probabilities is unsafe in half precision (1 − 1e-6
    # rounds to 1 in float16, and autocast refuses F.binary_cross_entropy on CUDA).
    with torch.autocast(maps.device.type, enabled=False):
        maps = upsample(at_least_fp32(maps), (masks.shape[-2], masks.shape[-1]), renormalise=False)
        return F.binary_cross_entropy(maps.clamp(1e-6, 1 - 1e-6), masks.to(maps.dtype))


def trust_loss(
    logits: Tensor,
    targets: Tensor,
    maps: Tensor,
    weights: LossWeights,
    masks: Tensor | None = None,
    input_grads: Tensor | None = None,
    has_mask: Tensor | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """Eq. 7 plus ``weight · term`` for every registered term whose weight is > 0; returns the
    loss and every term (cross entropy and eq. 4–6 always, for monitoring).

    ``masks`` (``[B, H, W]``) and ``input_grads`` (∂Σ log p/∂x, ``[B, C, H, W]``) are needed
    by the terms that use them; a missing one is an error naming the weight. With
    ``has_mask`` (bool ``[B]``) only those images have a mask: each term that uses masks is
    averaged over them, and is 0 in a batch without any (the others train on cross entropy
    and eq. 4–6 alone).
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
    inputs = {"logits": logits, "targets": targets, "maps": maps, "masks": masks, "input_grads": input_grads}
    for term in active_terms(weights):
        terms[term.name] = over_masked(term, inputs, has_mask) if has_mask is not None and "masks" in term.uses else term(inputs)
        loss = loss + getattr(weights, term.weight) * terms[term.name]
    return loss, terms


def objective(weights: LossWeights) -> str:
    """The loss ``weights`` make, by its terms: ``ce+eq4+eq5+eq6`` is eq. 7, ``ce+penalty_rrr``
    RRR (λ = 1: cross entropy and the penalty only), ``…+loss_mask`` eq. 8–10 on top of eq. 7."""
    parts = ["ce"] if weights.lam > 0 else []
    parts += ["eq4"] if weights.lam < 1 else []
    parts += ["eq5"] if weights.w_wrong > 0 else []
    parts += ["eq6"] if weights.w_right > 0 else []
    return "+".join(parts + [term.name for term in active_terms(weights)])


def uses_maps(objective: str) -> bool:
    """Whether the loss :func:`objective` names reads saliency maps: eq. 4–6 and every
    registered term that uses ``maps`` do; cross entropy and RRR (on input gradients) don't."""
    return any("maps" in TERMS[part].uses if part in TERMS else part != "ce" for part in objective.split("+"))


def relative_to_ce(weights: LossWeights, num_classes: int) -> dict[str, float]:
    """Each active term's weight relative to plain (unscaled) cross entropy.

    Eq. 7 weighs cross entropy by λ/K, so a term of weight ``w`` counts ``w·K/λ`` times as
    much as CE would in a loss written ``CE + w'·term`` (how Ross et al. and most papers write
    RRR): ``w_rrr = 0.001`` with K = 5 and λ = 1 is ``w' = 0.005``, and the same ``w`` means
    twice as much on ten classes as on five. Empty when λ = 0 (no CE).
    """
    if weights.lam == 0:
        return {}
    scale = num_classes / weights.lam
    relative = {
        "reg_confidence": (1.0 - weights.lam) / weights.lam,
        "penalty_wrong": weights.w_wrong * scale,
        "penalty_right": weights.w_right * scale,
        **{term.name: getattr(weights, term.weight, 0.0) * scale for term in TERMS.values()},
    }
    return {term: weight for term, weight in relative.items() if weight > 0}
