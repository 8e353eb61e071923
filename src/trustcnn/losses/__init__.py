"""The trust loss (eq. 4–10, our reading) and the RRR comparators; extra terms are registered
in :mod:`trustcnn.losses.terms` (eq. 8–10's mask term first, then RRR and RRR-GC)."""

from trustcnn.losses.trust import mask_bce, objective, relative_to_ce, saliency_terms, trust_loss, uses_maps  # noqa: I001 (registration order)
from trustcnn.losses.rrr import rrr_gradcam_penalty, rrr_penalty
from trustcnn.losses.terms import TERMS, LossTerm, active_terms, loss_term, needs

__all__ = [
    "TERMS",
    "LossTerm",
    "active_terms",
    "loss_term",
    "mask_bce",
    "needs",
    "objective",
    "relative_to_ce",
    "rrr_gradcam_penalty",
    "rrr_penalty",
    "saliency_terms",
    "trust_loss",
    "uses_maps",
]
