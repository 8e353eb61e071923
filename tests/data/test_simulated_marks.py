"""Simulated annotators mark from the data's masks: exact, box, half, wrong; budgets are nested samples."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.data import ImageSet
from trustcnn.data.human_masks import combine_marks
from trustcnn.data.simulated_marks import budget_sample, half, simulate_marks


def one_image() -> ImageSet:
    """An 8×8 image: the object an L in rows 1-5, cols 1-3; a 2×2 decoy at rows 6-7, cols 6-7."""
    masks = np.zeros((1, 8, 8), dtype=bool)
    masks[0, 1:6, 1] = True
    masks[0, 5, 1:4] = True
    decoys = np.zeros((1, 8, 8), dtype=bool)
    decoys[0, 6:8, 6:8] = True
    palette = np.zeros((2, 3), np.uint8)
    return ImageSet(np.zeros((1, 8, 8, 3), np.uint8), np.zeros(1, np.int64), ("a", "b"), masks, decoys, palette)


@pytest.mark.parametrize("kind, region", [("avoid", "decoy_masks"), ("object", "masks")])
def test_exact_marks_are_the_region(kind: str, region: str) -> None:
    images = one_image()
    (mark,) = simulate_marks(images, [0], quality="exact", kind=kind)
    assert mark.kind == kind and mark.split == "train" and mark.index == 0
    assert np.array_equal(mark.mask, getattr(images, region)[0])


def test_exact_object_marks_give_back_the_data_masks_and_avoid_marks_the_complement_of_the_decoy() -> None:
    images = one_image()
    assert np.array_equal(combine_marks(simulate_marks(images, [0], kind="object"), images).masks, images.masks)
    assert np.array_equal(combine_marks(simulate_marks(images, [0], kind="avoid"), images).masks, ~images.decoy_masks)


def test_box_fills_the_bounding_box_out_to_whole_cells() -> None:
    (mark,) = simulate_marks(one_image(), [0], quality="box", kind="object", cell=1)
    expected = np.zeros((8, 8), dtype=bool)
    expected[1:6, 1:4] = True
    assert np.array_equal(mark.mask, expected)
    (coarse,) = simulate_marks(one_image(), [0], quality="box", kind="object", cell=4)  # rows 1-5, cols 1-3 → cells 0-1 × 0
    expected = np.zeros((8, 8), dtype=bool)
    expected[0:8, 0:4] = True
    assert np.array_equal(coarse.mask, expected)
    (patch,) = simulate_marks(one_image(), [0], quality="box", kind="avoid", cell=4)  # the 2×2 decoy lies in one cell
    assert patch.mask[4:8, 4:8].all() and patch.mask.sum() == 16


def test_half_keeps_one_half_of_the_region_across_its_longer_side() -> None:
    region = one_image().masks[0]  # 5 rows tall, 3 columns wide: cut across the rows
    first, second = half(region, True), half(region, False)
    assert first.sum() + second.sum() == region.sum() and not (first & second).any()
    assert first[1:4].sum() == first.sum() and second[4:6].sum() == second.sum()


def test_wrong_marks_the_other_region() -> None:
    images = one_image()
    (avoid,) = simulate_marks(images, [0], quality="wrong", kind="avoid")
    (obj,) = simulate_marks(images, [0], quality="wrong", kind="object")
    assert np.array_equal(avoid.mask, images.masks[0]) and np.array_equal(obj.mask, images.decoy_masks[0])


def test_without_decoys_the_avoided_region_is_all_but_the_object() -> None:
    images = one_image()
    bare = ImageSet(images.images, images.labels, images.class_names, images.masks)
    (mark,) = simulate_marks(bare, [0], kind="avoid")
    assert np.array_equal(mark.mask, ~images.masks[0])


def test_a_split_without_masks_or_decoys_is_a_clear_error() -> None:
    images = one_image()
    with pytest.raises(ValueError, match="object or decoy masks"):
        simulate_marks(ImageSet(images.images, images.labels, images.class_names), [0])


def test_budgets_are_nested_seeded_samples() -> None:
    small, large = budget_sample(100, 10, seed=3), budget_sample(100, 25, seed=3)
    assert len(small) == 10 and len(large) == 25 and set(small) <= set(large)
    assert np.array_equal(small, budget_sample(100, 10, seed=3)) and not np.array_equal(small, budget_sample(100, 10, seed=4))
    assert len(budget_sample(100, None, seed=0)) == 100 and len(budget_sample(5, 10, seed=0)) == 5
    assert len(budget_sample(100, 0, seed=0)) == 0
