"""What the human masks rest on: whose marks, how many images, how far people agree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from trustcnn.data.human_masks import HumanMasks, by_image
from trustcnn.data.marks import Mark
from trustcnn.metrics.agreement import mark_agreement

NOBODY = (
    "nobody has marked a training image yet: the variants trained on human masks (masks: human) "
    "trained on the rest of their loss alone (cross entropy, and eq. 4-6 where they weigh in); "
    "serve the annotation task to collect marks (docs/human_masks.md)"
)


def human_masks_report(marks: Sequence[Mark], human: HumanMasks, *, source: str, threshold: float, split: str = "train") -> dict[str, Any]:
    """JSON-ready: whose marks (``source``), how many images of ``split`` have a mask, how many
    people marked each, and their agreement per kind of mark (:func:`mark_agreement`)."""
    on_split = [mark for mark in marks if mark.split == split]
    images = by_image(on_split, split, human.masks.shape)
    report = {
        "source": source,
        "split": split,
        "images": len(human.has_mask),
        "images_marked": human.marked,
        "participants": len({mark.participant_id for mark in on_split}),
        "marks": sum(len(image_marks) for image_marks in images.values()),
        "marks_on_other_splits": len(marks) - len(on_split),
        "threshold": threshold,
        "annotators_per_image": {str(k): v for k, v in sorted(Counter(int(a) for a in human.annotators if a).items())},
        "agreement": mark_agreement(images),
    }
    if not human.marked:
        report["note"] = NOBODY
    return report


def human_masks_markdown(report: dict[str, Any]) -> str:
    """The report as a short Markdown page."""
    lines = [
        "# Human masks",
        "",
        f"- Marks: {report['source']}.",
        f"- {report['images_marked']} of {report['images']} {report['split']} images have a mask "
        f"({report['marks']} mark(s) by {report['participants']} participant(s); a pixel counts when at least "
        f"{report['threshold']:g} of an image's annotators marked it).",
    ]
    if report["annotators_per_image"]:
        spread = ", ".join(f"{n} by {k}" for k, n in report["annotators_per_image"].items())
        lines.append(f"- Images by number of annotators: {spread}.")
    if report["marks_on_other_splits"]:
        lines.append(f"- {report['marks_on_other_splits']} mark(s) on other splits are not used.")
    if "note" in report:
        lines.append(f"- **{report['note'][0].upper()}{report['note'][1:]}.**")
    lines += ["", "| kind | images with ≥ 2 annotators | mean pairwise IoU | Fleiss' κ (pixels) |", "|---|---|---|---|"]
    for kind, row in report["agreement"].items():
        iou, kappa = row["mean_pairwise_iou"], row["fleiss_kappa"]
        lines.append(f"| {kind} | {row['images']} | {iou:.3f} | {'–' if kappa is None else f'{kappa:.3f}'} |")
    if not report["agreement"]:
        lines.append("| – | 0 | – | – |")
    return "\n".join(lines) + "\n"
