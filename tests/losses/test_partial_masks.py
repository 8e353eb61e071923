"""Mask terms with only some images masked (people marked part of the training images):
averaged over the masked images, 0 without any, and unchanged when every image has a mask."""

from __future__ import annotations

import pytest
import torch

from trustcnn.config import LossWeights
from trustcnn.losses import mask_bce, rrr_gradcam_penalty, rrr_penalty, trust_loss

torch.manual_seed(0)
LOGITS = torch.randn(4, 3)
TARGETS = torch.tensor([0, 1, 2, 0])
MAPS = torch.rand(4, 2, 2)
MASKS = (torch.rand(4, 4, 4) < 0.5).float()
GRADS = torch.randn(4, 3, 4, 4)
WEIGHTS = LossWeights(w_mask=2.0, w_rrr=0.5, w_rrr_gradcam=3.0)


def loss_of(has_mask: torch.Tensor | None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    return trust_loss(LOGITS, TARGETS, MAPS, WEIGHTS, MASKS, GRADS, has_mask)


def test_every_image_masked_is_bitwise_the_loss_without_has_mask() -> None:
    full, terms = loss_of(None)
    same, same_terms = loss_of(torch.ones(4, dtype=torch.bool))
    assert torch.equal(full, same) and all(torch.equal(terms[k], same_terms[k]) for k in terms)


def test_mask_terms_average_over_the_masked_images_only() -> None:
    has_mask = torch.tensor([True, False, True, False])
    _, terms = loss_of(has_mask)
    rows = has_mask.nonzero().squeeze(1)
    assert terms["loss_mask"].item() == pytest.approx(mask_bce(MAPS[rows], MASKS[rows]).item())
    assert terms["penalty_rrr"].item() == pytest.approx(rrr_penalty(GRADS[rows], MASKS[rows]).item())
    assert terms["penalty_rrr_gradcam"].item() == pytest.approx(rrr_gradcam_penalty(MAPS[rows], MASKS[rows]).item())
    _, full = loss_of(None)
    assert terms["loss_ce"].item() == pytest.approx(full["loss_ce"].item())  # the other terms see every image
    assert terms["reg_confidence"].item() == pytest.approx(full["reg_confidence"].item())


def test_a_batch_without_masked_images_has_mask_terms_of_zero() -> None:
    loss, terms = loss_of(torch.zeros(4, dtype=torch.bool))
    plain, _ = trust_loss(LOGITS, TARGETS, MAPS, LossWeights())
    assert terms["loss_mask"].item() == terms["penalty_rrr"].item() == terms["penalty_rrr_gradcam"].item() == 0.0
    assert loss.item() == pytest.approx(plain.item())


def test_unmasked_images_get_no_gradient_from_the_mask_terms() -> None:
    maps = MAPS.clone().requires_grad_(True)
    weights = LossWeights(lam=1.0, w_wrong=0.0, w_right=0.0, w_rrr_gradcam=1.0)  # CE + RRR-GC: only the penalty sees the maps
    loss, _ = trust_loss(LOGITS, TARGETS, maps, weights, MASKS, None, torch.tensor([True, False, False, True]))
    (grad,) = torch.autograd.grad(loss, maps)
    assert grad[[1, 2]].abs().sum() == 0 and grad[[0, 3]].abs().sum() > 0
