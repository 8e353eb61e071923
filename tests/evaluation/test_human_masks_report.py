"""The human-masks report: whose marks, how many images, agreement; honest when nobody marked."""

from __future__ import annotations

import numpy as np

from trustcnn.config import SimulatedAnnotatorConfig
from trustcnn.data import ImageSet
from trustcnn.data.human_masks import combine_marks
from trustcnn.data.marks import Mark
from trustcnn.data.simulated_marks import marks_or_stand_in
from trustcnn.evaluation.human_masks import NOBODY, human_masks_markdown, human_masks_report


def split(n: int = 4) -> ImageSet:
    masks = np.zeros((n, 4, 4), dtype=bool)
    masks[:, 1:3, 1:3] = True
    return ImageSet(np.zeros((n, 4, 4, 3), np.uint8), np.zeros(n, np.int64), ("a", "b"), masks)


def mark(person: str, index: int, rows: slice, split_name: str = "train") -> Mark:
    mask = np.zeros((4, 4), dtype=bool)
    mask[rows] = True
    return Mark(person, f"item-{index}", split_name, index, "avoid", mask)


def test_report_counts_people_images_and_their_agreement() -> None:
    marks = [mark("p1", 0, slice(0, 2)), mark("p2", 0, slice(1, 3)), mark("p1", 1, slice(0, 1)), mark("p3", 2, slice(0, 1), "val")]
    human = combine_marks(marks, split())
    report = human_masks_report(marks, human, source="people", threshold=0.5)
    assert (report["images"], report["images_marked"], report["participants"], report["marks"]) == (4, 2, 2, 3)
    assert report["marks_on_other_splits"] == 1 and report["annotators_per_image"] == {"1": 1, "2": 1}
    assert report["agreement"]["avoid"]["images"] == 1
    assert report["agreement"]["avoid"]["mean_pairwise_iou"] == 4 / 12  # rows 0-1 vs 1-2: one row of three
    assert "note" not in report
    page = human_masks_markdown(report)
    assert "2 of 4 train images have a mask" in page and "| avoid | 1 | 0.333 |" in page


def test_nobody_marked_says_so() -> None:
    report = human_masks_report([], combine_marks([], split()), source="people", threshold=0.5)
    assert report["images_marked"] == 0 and report["note"] == NOBODY
    assert "**Nobody has marked a training image yet" in human_masks_markdown(report)


def test_a_simulated_annotator_stands_in_only_while_nobody_has_marked() -> None:
    images = split()
    simulate = SimulatedAnnotatorConfig(quality="exact", kind="object", budget=3, seed=1)
    marks, source = marks_or_stand_in([], images, simulate)
    assert len(marks) == 3 and source.startswith("simulated annotator (exact marks of what to object") and "not people's marks" in source
    assert all(np.array_equal(m.mask, images.masks[m.index]) for m in marks)
    people = [mark("p1", 0, slice(0, 1))]
    assert marks_or_stand_in(people, images, simulate) == (people, "people")
    assert marks_or_stand_in([], images, None) == ([], "people")
