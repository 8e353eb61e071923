"""People's marks on training images → the ``human_masks`` dataset the variants with
``masks: human`` train on, and a report of whose marks they are and how far people agree."""

from __future__ import annotations

from typing import Any

import numpy as np

from trustcnn.config import HumanMasksConfig
from trustcnn.data import ImageSet
from trustcnn.data.human_masks import combine_marks
from trustcnn.data.marks import Mark
from trustcnn.data.simulated_marks import marks_or_stand_in
from trustcnn.evaluation.human_masks import human_masks_markdown, human_masks_report


def build_human_masks(
    train_set: ImageSet, annotation_marks: list[Mark], human_masks: HumanMasksConfig
) -> tuple[dict[str, np.ndarray], dict[str, Any], str]:
    """Every person's marks combined per image (a simulated annotator's where nobody has
    marked and ``human_masks.simulate`` says so), as arrays, a JSON report and Markdown."""
    marks, source = marks_or_stand_in(annotation_marks, train_set, human_masks.simulate)
    human = combine_marks(marks, train_set, threshold=human_masks.threshold)
    report = human_masks_report(marks, human, source=source, threshold=human_masks.threshold)
    return human.to_arrays(), report, human_masks_markdown(report)
