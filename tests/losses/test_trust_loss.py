"""Eq. 4–7 (our reading) and eq. 8–10 on batches small enough to compute by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from trustcnn.config import LossWeights
from trustcnn.losses import mask_bce, rrr_gradcam_penalty, rrr_penalty, saliency_terms, trust_loss

# Two images, K = 2. Image 0 is predicted right, image 1 wrong.
LOGITS = torch.tensor([[2.0, 0.0], [1.0, 0.0]])
TARGETS = torch.tensor([0, 1])
MAPS = torch.tensor([[[1.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]])  # means 0.25 and 0.75


def test_saliency_terms_by_hand() -> None:
    terms = saliency_terms(MAPS, torch.tensor([True, False]))
    assert terms["reg_confidence"].item() == pytest.approx(0.5)  # eq. 4: mean over everything
    assert terms["penalty_wrong"].item() == pytest.approx(0.75 / 2)  # eq. 5: only image 1
    assert terms["penalty_right"].item() == pytest.approx((1 - 0.25) / 2)  # eq. 6: only image 0


def test_eq7_by_hand() -> None:
    ce = (-math.log(math.exp(2) / (math.exp(2) + 1)) - math.log(1 / (math.e + 1))) / 2
    weights = LossWeights(lam=0.3, w_wrong=2.0, w_right=0.5)
    loss, terms = trust_loss(LOGITS, TARGETS, MAPS, weights)
    expected = 0.3 * ce / 2 + 0.7 * 0.5 / 2 + 2.0 * 0.375 + 0.5 * 0.375
    assert terms["loss_ce"].item() == pytest.approx(ce)
    assert loss.item() == pytest.approx(expected)


@pytest.mark.parametrize("ablation, off", [({"w_wrong": 0.0}, "penalty_wrong"), ({"w_right": 0.0}, "penalty_right")])
def test_ablations_drop_exactly_one_term(ablation: dict, off: str) -> None:
    full, terms = trust_loss(LOGITS, TARGETS, MAPS, LossWeights())
    ablated, _ = trust_loss(LOGITS, TARGETS, MAPS, LossWeights(**ablation))
    assert (full - ablated).item() == pytest.approx(terms[off].item())


def test_mask_term_upsamples_the_map_and_is_bce() -> None:
    masks = torch.zeros(2, 4, 4)
    masks[:, :2, :2] = 1.0
    up = F.interpolate(MAPS.unsqueeze(1), size=(4, 4), mode="bilinear", align_corners=False).squeeze(1)
    expected = F.binary_cross_entropy(up.clamp(1e-6, 1 - 1e-6), masks)
    assert mask_bce(MAPS, masks).item() == pytest.approx(expected.item())
    loss, terms = trust_loss(LOGITS, TARGETS, MAPS, LossWeights(w_mask=2.0), masks)
    base, _ = trust_loss(LOGITS, TARGETS, MAPS, LossWeights())
    assert (loss - base).item() == pytest.approx(2.0 * expected.item())
    assert "loss_mask" in terms


def test_mask_term_without_masks_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="masks"):
        trust_loss(LOGITS, TARGETS, MAPS, LossWeights(w_mask=1.0))


@pytest.mark.parametrize("kwargs, name", [({"lam": 1.5}, "lam"), ({"lam": -0.1}, "lam"), ({"w_wrong": -1.0}, "w_wrong")])
def test_weights_are_validated(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        LossWeights(**kwargs)


def test_rrr_penalty_counts_only_gradient_outside_the_mask() -> None:
    grads = torch.zeros(1, 3, 2, 2)
    grads[0, :, 0, 0] = 1.0  # inside the object: free
    grads[0, 0, 1, 1] = 2.0  # outside: 2² = 4
    masks = torch.tensor([[[1.0, 0.0], [0.0, 0.0]]])
    assert rrr_penalty(grads, masks).item() == pytest.approx(4.0)
    loss, terms = trust_loss(LOGITS[:1], TARGETS[:1], MAPS[:1], LossWeights(w_rrr=0.5), masks.expand(1, 2, 2), grads)
    base, _ = trust_loss(LOGITS[:1], TARGETS[:1], MAPS[:1], LossWeights())
    assert (loss - base).item() == pytest.approx(2.0)
    assert terms["penalty_rrr"].item() == pytest.approx(4.0)


def test_rrr_gradcam_penalty_by_hand() -> None:
    maps = torch.tensor([[[1.0, 0.5], [0.0, 0.2]]])  # already at the mask's size, max 1
    masks = torch.tensor([[[1.0, 0.0], [0.0, 0.0]]])
    expected = (0.5**2 + 0.0 + 0.2**2) / 4  # mean over pixels of the squared map outside
    assert rrr_gradcam_penalty(maps, masks).item() == pytest.approx(expected)
    logits, targets = LOGITS[:1], TARGETS[:1]
    loss, terms = trust_loss(logits, targets, maps, LossWeights(w_rrr_gradcam=2.0), masks)
    base, _ = trust_loss(logits, targets, maps, LossWeights())
    assert (loss - base).item() == pytest.approx(2 * expected)
    assert terms["penalty_rrr_gradcam"].item() == pytest.approx(expected)
    with pytest.raises(ValueError, match="masks"):
        trust_loss(logits, targets, maps, LossWeights(w_rrr_gradcam=1.0))


@pytest.mark.parametrize(
    "weights, expected",
    [
        (LossWeights(), "ce+eq4+eq5+eq6"),  # eq. 7
        (LossWeights(w_wrong=0.0), "ce+eq4+eq6"),
        (LossWeights(w_mask=2.0), "ce+eq4+eq5+eq6+loss_mask"),
        (LossWeights(lam=1.0, w_wrong=0.0, w_right=0.0, w_rrr=0.001), "ce+penalty_rrr"),
        (LossWeights(lam=1.0, w_wrong=0.0, w_right=0.0, w_rrr_gradcam=10.0), "ce+penalty_rrr_gradcam"),
    ],
)
def test_the_objective_names_the_terms_the_weights_switch_on(weights: LossWeights, expected: str) -> None:
    from trustcnn.losses import objective

    assert objective(weights) == expected
