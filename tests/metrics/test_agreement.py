"""Agreement between annotators: Fleiss' κ against Fleiss' (1971) worked example, pairwise IoU by hand."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.data.marks import Mark
from trustcnn.metrics.agreement import fleiss_kappa, iou, mark_agreement, pairwise_iou, pixel_kappa

# The worked example of Fleiss' κ (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters, 5
# categories; P̄ = 0.378, P_e = 0.213, κ = 0.210.
FLEISS_EXAMPLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def test_fleiss_kappa_reproduces_the_worked_example() -> None:
    assert fleiss_kappa(FLEISS_EXAMPLE) == pytest.approx(0.20993, abs=1e-4)


def test_fleiss_kappa_by_hand_for_two_raters() -> None:
    # Subjects: both raters say A; both B; they split. P_i = 1, 1, 0 → P̄ = 2/3; p = (3/6, 3/6) → P_e = 1/2.
    counts = np.array([[2, 0], [0, 2], [1, 1]])
    assert fleiss_kappa(counts) == pytest.approx((2 / 3 - 0.5) / 0.5)


def test_fleiss_kappa_is_one_for_perfect_agreement_and_undefined_without_variation() -> None:
    assert fleiss_kappa(np.array([[3, 0], [0, 3], [3, 0]])) == pytest.approx(1.0)
    assert fleiss_kappa(np.array([[3, 0], [3, 0]])) is None


def test_fleiss_kappa_needs_two_raters_per_subject() -> None:
    with pytest.raises(ValueError, match="two raters"):
        fleiss_kappa(np.array([[1, 0], [1, 1]]))


def test_pixel_kappa_equals_kappa_over_cells() -> None:
    """A 2×2 grid of 3×3-pixel cells: κ over pixels is κ over the four cells."""
    rng = np.random.default_rng(0)
    cells = rng.random((3, 2, 2)) < 0.5  # three people, one image
    pixels = cells.repeat(3, axis=1).repeat(3, axis=2)
    marked = cells.reshape(3, -1).sum(axis=0)
    by_cells = fleiss_kappa(np.stack([marked, 3 - marked], axis=1))
    assert pixel_kappa([pixels]) == pytest.approx(by_cells)


def test_pixel_kappa_pools_images_with_different_numbers_of_people() -> None:
    a = np.array([[[1, 0]], [[1, 0]]], dtype=bool)  # two people agree
    b = np.array([[[1, 1]], [[0, 1]], [[0, 1]]], dtype=bool)  # three people, one pixel split 1:2
    # Subjects (marked, not): (2,0), (0,2), (1,2), (3,0): P_i = 1, 1, 1/3, 1; p_marked = 6/10.
    p_bar = (1 + 1 + 1 / 3 + 1) / 4
    chance = 0.6**2 + 0.4**2
    assert pixel_kappa([a, b]) == pytest.approx((p_bar - chance) / (1 - chance))
    assert pixel_kappa([a[:1]]) is None  # one person: nothing to agree on


def test_iou_by_hand() -> None:
    a = np.array([[1, 1, 0, 0]], dtype=bool)
    b = np.array([[0, 1, 1, 0]], dtype=bool)
    assert iou(a, b) == pytest.approx(1 / 3)
    assert iou(a & False, b & False) == 1.0  # both marked nothing: they agree


def test_pairwise_iou_averages_pairs_then_images() -> None:
    a = np.array([[1, 1, 0, 0]], dtype=bool)
    b = np.array([[0, 1, 1, 0]], dtype=bool)
    c = np.array([[1, 1, 1, 1]], dtype=bool)
    image_1 = np.stack([a, b, c])  # pairs: a-b 1/3, a-c 2/4, b-c 2/4
    image_2 = np.stack([a, a])  # 1
    assert pairwise_iou([image_1, image_2, np.stack([a])]) == pytest.approx(((1 / 3 + 1 / 2 + 1 / 2) / 3 + 1) / 2)
    assert pairwise_iou([np.stack([a])]) is None


def test_mark_agreement_is_per_kind() -> None:
    def mark(person: str, kind: str, pixels: list[int]) -> Mark:
        mask = np.zeros((1, 4), dtype=bool)
        mask[0, pixels] = True
        return Mark(person, "item", "train", 0, kind, mask)

    report = mark_agreement({0: [mark("p1", "avoid", [0, 1]), mark("p2", "avoid", [1, 2]), mark("p3", "object", [3])]})
    assert set(report) == {"avoid"}  # one person marked the object: no pair
    assert report["avoid"]["images"] == 1
    assert report["avoid"]["mean_pairwise_iou"] == pytest.approx(1 / 3)
