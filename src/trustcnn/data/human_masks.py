"""People's marks → one object mask per image, in the convention the losses read.

The trust losses take *object* masks (``True``: the model may use this pixel; RRR and RRR-GC
penalise saliency outside it, eq. 8–10 pulls the map towards it). A person marks either what
the model must *not* use (``avoid``) or the object it should use (``object``), so an
``avoid`` mark enters as its complement and an ``object`` mark as it is.

Per image, every person who marked it votes (their last mark; the study keeps one per
person and item): a pixel is marked when at least ``threshold`` of the image's annotators
marked it, in the sense most of them marked in (``avoid`` on a tie; a mark of the other
kind votes with its complement). Images nobody marked have no mask (``has_mask`` False):
the losses train them on cross entropy alone, so a partial annotation is usable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trustcnn.data.imageset import ImageSet
from trustcnn.data.marks import Mark, MarkKind


@dataclass(frozen=True)
class HumanMasks:
    """Object masks from people's marks for one split: ``masks`` bool ``[N, H, W]`` (all
    False where nobody marked), ``has_mask`` bool ``[N]``, ``annotators`` int ``[N]`` (how
    many people marked each image)."""

    masks: np.ndarray
    has_mask: np.ndarray
    annotators: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.masks)
        if self.masks.ndim != 3 or self.masks.dtype != np.bool_:
            raise ValueError(f"human masks are bool [N, H, W], got {self.masks.dtype} {self.masks.shape}")
        if self.has_mask.shape != (n,) or self.annotators.shape != (n,):
            raise ValueError(f"has_mask and annotators need shape ({n},), got {self.has_mask.shape} and {self.annotators.shape}")

    @property
    def marked(self) -> int:
        return int(self.has_mask.sum())

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"masks": self.masks, "has_mask": self.has_mask, "annotators": self.annotators}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> HumanMasks:
        return cls(
            np.asarray(arrays["masks"], dtype=bool),
            np.asarray(arrays["has_mask"], dtype=bool),
            np.asarray(arrays["annotators"], dtype=np.int64),
        )

    def on(self, images: ImageSet) -> ImageSet:
        """``images`` (the split these masks were made for) with them as its object masks."""
        if self.masks.shape != images.images.shape[:3]:
            raise ValueError(
                f"human masks {self.masks.shape} don't fit the split's images {images.images.shape[:3]}: "
                "they were made for another version of the split; run the human_masks step again"
            )
        return images.with_masks(self.masks, self.has_mask)


def no_masks(images: ImageSet) -> ImageSet:
    """``images`` with an empty mask on every image and none given: mask terms are 0 there
    (the validation split of a variant trained on people's marks, which people don't mark)."""
    n, h, w = images.images.shape[:3]
    empty = np.broadcast_to(np.zeros((1, h, w), dtype=bool), (n, h, w))  # one image's worth of memory, however many
    return images.with_masks(empty, np.zeros(n, dtype=bool))


def may_use(mark: Mark) -> np.ndarray:
    """The object mask a mark says: its complement for ``avoid``, itself for ``object``."""
    return ~mark.mask if mark.kind == "avoid" else mark.mask


def by_image(marks: Sequence[Mark], split: str, shape: tuple[int, int, int]) -> dict[int, list[Mark]]:
    """``split``'s marks grouped by image index, one per person (their last), checked against
    the split's ``shape`` ``(N, H, W)``; marks of other splits are left out."""
    n, h, w = shape
    grouped: dict[int, dict[str, Mark]] = defaultdict(dict)
    for mark in marks:
        if mark.split != split:
            continue
        if not 0 <= mark.index < n:
            raise ValueError(f"mark {mark.item_id!r} by {mark.participant_id!r} names {split}[{mark.index}], but {split} has {n} images")
        if mark.mask.shape != (h, w):
            raise ValueError(
                f"mark {mark.item_id!r} by {mark.participant_id!r} is {mark.mask.shape[0]}×{mark.mask.shape[1]}, "
                f"but {split}'s images are {h}×{w}"
            )
        grouped[mark.index][mark.participant_id] = mark
    return {index: list(people.values()) for index, people in sorted(grouped.items())}


def majority_kind(marks: Sequence[Mark]) -> MarkKind:
    """The kind most of an image's marks have (``avoid`` on a tie)."""
    objects = sum(mark.kind == "object" for mark in marks)
    return "object" if objects > len(marks) - objects else "avoid"


def combine_image(marks: Sequence[Mark], threshold: float) -> np.ndarray:
    """One image's object mask from its people's marks (see the module's docstring)."""
    sense = majority_kind(marks)
    votes = np.stack([mark.mask if mark.kind == sense else ~mark.mask for mark in marks])
    marked = votes.sum(axis=0) / len(marks) >= threshold
    return ~marked if sense == "avoid" else marked


def combine_marks(marks: Sequence[Mark], images: ImageSet, *, split: str = "train", threshold: float = 0.5) -> HumanMasks:
    """Every person's marks on ``images`` (the split named ``split``) combined into one object
    mask per marked image; unmarked images get none."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"human_masks.threshold must lie in (0, 1], got {threshold}")
    shape = images.images.shape[:3]
    masks = np.zeros(shape, dtype=bool)
    annotators = np.zeros(shape[0], dtype=np.int64)
    for index, image_marks in by_image(marks, split, shape).items():
        masks[index] = combine_image(image_marks, threshold)
        annotators[index] = len(image_marks)
    return HumanMasks(masks, annotators > 0, annotators)
