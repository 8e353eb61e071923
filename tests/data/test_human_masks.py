"""People's marks → object masks: majority with a threshold, avoid marks complemented, unmarked images without a mask."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.data import ImageSet
from trustcnn.data.human_masks import HumanMasks, combine_marks, no_masks
from trustcnn.data.marks import Mark


def split(n: int = 3, size: int = 4) -> ImageSet:
    return ImageSet(np.zeros((n, size, size, 3), np.uint8), np.zeros(n, np.int64), ("a", "b"))


def mark(person: str, index: int, kind: str, rows: slice, split_name: str = "train", size: int = 4) -> Mark:
    mask = np.zeros((size, size), dtype=bool)
    mask[rows] = True
    return Mark(person, f"item-{index}", split_name, index, kind, mask)


def test_avoid_marks_become_their_complement_and_object_marks_stay() -> None:
    human = combine_marks([mark("p1", 0, "avoid", slice(0, 1)), mark("p1", 1, "object", slice(0, 1))], split())
    assert human.masks[0].sum() == 12 and not human.masks[0][0].any()  # may use all but the avoided row
    assert human.masks[1].sum() == 4 and human.masks[1][0].all()  # may use the object row only
    assert human.has_mask.tolist() == [True, True, False]
    assert not human.masks[2].any() and human.annotators.tolist() == [1, 1, 0]


@pytest.mark.parametrize("threshold, avoided_rows", [(0.5, 2), (0.7, 1), (1.0, 1), (0.2, 3)])
def test_a_pixel_is_marked_when_at_least_threshold_of_the_annotators_marked_it(threshold: float, avoided_rows: int) -> None:
    # Three people avoid rows 0-0 / 0-1 / 0-2: row 0 by 3/3, row 1 by 2/3, row 2 by 1/3.
    marks = [mark(f"p{k}", 0, "avoid", slice(0, k)) for k in (1, 2, 3)]
    human = combine_marks(marks, split(), threshold=threshold)
    assert (~human.masks[0]).any(axis=1).sum() == avoided_rows


def test_a_tie_at_half_is_marked() -> None:
    human = combine_marks([mark("p1", 0, "avoid", slice(0, 1)), mark("p2", 0, "avoid", slice(1, 2))], split())
    assert (~human.masks[0]).any(axis=1).tolist() == [True, True, False, False]


def test_mixed_kinds_vote_in_the_majority_kind() -> None:
    # Two avoid row 0; one marks rows 1-3 as the object (= avoid row 0 too): row 0 avoided by 3/3.
    marks = [mark("p1", 0, "avoid", slice(0, 1)), mark("p2", 0, "avoid", slice(0, 1)), mark("p3", 0, "object", slice(1, 4))]
    human = combine_marks(marks, split(), threshold=1.0)
    assert (~human.masks[0]).any(axis=1).tolist() == [True, False, False, False]


def test_one_vote_per_person_their_last_and_other_splits_left_out() -> None:
    marks = [mark("p1", 0, "avoid", slice(0, 3)), mark("p1", 0, "avoid", slice(0, 1)), mark("p2", 1, "avoid", slice(0, 1), "val")]
    human = combine_marks(marks, split())
    assert human.annotators.tolist() == [1, 0, 0]
    assert (~human.masks[0]).any(axis=1).tolist() == [True, False, False, False]


def test_bad_marks_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"train\[7\].*3 images"):
        combine_marks([mark("p1", 7, "avoid", slice(0, 1))], split())
    with pytest.raises(ValueError, match="5×5.*4×4"):
        combine_marks([mark("p1", 0, "avoid", slice(0, 1), size=5)], split())
    with pytest.raises(ValueError, match="threshold"):
        combine_marks([], split(), threshold=0.0)


def test_human_masks_round_trip_and_fit_their_split() -> None:
    human = combine_marks([mark("p1", 2, "object", slice(1, 2))], split())
    again = HumanMasks.from_arrays(human.to_arrays())
    assert all(np.array_equal(a, b) for a, b in zip(human.to_arrays().values(), again.to_arrays().values()))
    on = again.on(split())
    assert on.has_mask.tolist() == [False, False, True] and on.masks[2].sum() == 4
    with pytest.raises(ValueError, match="another version of the split"):
        again.on(split(n=4))


def test_no_masks_gives_every_image_an_empty_mask_not_given() -> None:
    val = no_masks(split())
    assert not val.masks.any() and not val.has_mask.any()
    assert ImageSet.from_arrays(val.to_arrays()).has_mask.tolist() == [False] * 3
