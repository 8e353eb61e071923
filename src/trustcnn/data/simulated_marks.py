"""Simulated annotators: :class:`~trustcnn.data.marks.Mark`\\ s made from the data's own masks,
standing in for people where none have marked (``human_masks.simulate``: the smoke
environment; the budget benchmark).

Each image has two regions: the *object* (its object mask; where the data has none, all but
the decoy) and the *decoy* (its decoy mask; where the data has none, all but the object). A
person asked what the model must not use (``avoid``) marks the decoy; asked for the object
(``object``), the object. How well they mark it follows the feedback qualities of the XIL
typology (Friedrich et al. 2023):

- ``exact``: the region, pixel for pixel;
- ``box``: its bounding box, filled and widened out to whole cells of ``cell`` pixels (a coarse
  mark: what ticking the annotation task's cells around it gives; 4-pixel cells by default, the
  task's 8 cells on 32-pixel images);
- ``half``: the half of it on one side of its bounding box's middle, along the longer side
  (an incomplete mark; the side drawn at random);
- ``wrong``: the other region (the object marked as the thing to avoid, or the decoy as the
  object).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from trustcnn.config import SimulatedAnnotatorConfig
from trustcnn.data.imageset import ImageSet
from trustcnn.data.marks import Mark, MarkKind

AnnotatorQuality = Literal["exact", "box", "half", "wrong"]
QUALITIES: tuple[str, ...] = ("exact", "box", "half", "wrong")


def region(images: ImageSet, index: int, kind: MarkKind, wrong: bool = False) -> np.ndarray:
    """Image ``index``'s region a person asked for ``kind`` marks (``wrong``: the other one)."""
    if images.masks is None and images.decoy_masks is None:
        raise ValueError("a simulated annotator marks from the data's object or decoy masks, and this split has neither")
    decoy = (kind == "avoid") != wrong
    wanted, other = (images.decoy_masks, images.masks) if decoy else (images.masks, images.decoy_masks)
    if wanted is not None:
        return np.asarray(wanted[index], dtype=bool)
    assert other is not None  # checked above: the split has one of them
    return np.asarray(~other[index], dtype=bool)


def bounding_box(region: np.ndarray) -> tuple[slice, slice] | None:
    """The rows and columns a boolean ``[H, W]`` region spans; ``None`` when it is empty."""
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    if len(rows) == 0:
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def coarse(region: np.ndarray, cell: int = 1) -> np.ndarray:
    """The region's bounding box, filled, its edges moved out to multiples of ``cell`` pixels."""
    box = np.zeros_like(region)
    if (span := bounding_box(region)) is not None:
        rows, cols = (slice(s.start // cell * cell, -(-s.stop // cell) * cell) for s in span)
        box[rows, cols] = True
    return box


def half(region: np.ndarray, first: bool) -> np.ndarray:
    """The region's pixels in the first (or second) half of its bounding box, cut across its
    longer side; a one-pixel-wide side keeps its first pixel in the first half."""
    kept = np.zeros_like(region)
    if (span := bounding_box(region)) is None:
        return kept
    rows, cols = span
    tall = rows.stop - rows.start >= cols.stop - cols.start
    side = rows if tall else cols
    middle = side.start + (side.stop - side.start + 1) // 2
    cut = slice(side.start, middle) if first else slice(middle, side.stop)
    window = (cut, cols) if tall else (rows, cut)
    kept[window] = region[window]
    return kept


def simulate_marks(
    images: ImageSet,
    indices: Sequence[int] | np.ndarray,
    *,
    quality: AnnotatorQuality = "exact",
    kind: MarkKind = "avoid",
    seed: int = 0,
    cell: int = 4,
    participant_id: str = "simulated",
    split: str = "train",
) -> list[Mark]:
    """One simulated person's marks on ``images[indices]`` (of the split ``split``); ``cell``
    is the size of the cells a ``box`` is widened to."""
    if quality not in QUALITIES:
        raise ValueError(f"annotator quality must be one of {QUALITIES}, got {quality!r}")
    sides = np.random.default_rng(seed).random(len(indices)) < 0.5
    marks = []
    for index, first in zip((int(i) for i in indices), sides):
        marked = region(images, index, kind, wrong=quality == "wrong")
        mask = coarse(marked, cell) if quality == "box" else half(marked, bool(first)) if quality == "half" else marked
        marks.append(Mark(participant_id, f"simulated-{split}-{index}", split, index, kind, mask))
    return marks


def budget_sample(n: int, budget: int | None, seed: int) -> np.ndarray:
    """Which of ``n`` images a budget of ``budget`` marks covers (``None``: all), seeded; the
    samples of one seed are nested (the first 10 are among the first 25), so a curve over
    budgets adds images rather than drawing new ones."""
    if budget is not None and budget < 0:
        raise ValueError(f"a budget is a number of images ≥ 0, got {budget}")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order if budget is None else order[: min(budget, n)])


def simulated_source(config: SimulatedAnnotatorConfig) -> str:
    """How a report names the simulated annotator's marks."""
    budget = "every" if config.budget is None else str(config.budget)
    return (
        f"simulated annotator ({config.quality} marks of what to {config.kind}, from the data's masks, on {budget} "
        f"training image(s), seed {config.seed}): not people's marks"
    )


def marks_or_stand_in(
    marks: Sequence[Mark], images: ImageSet, simulate: SimulatedAnnotatorConfig | None, split: str = "train"
) -> tuple[list[Mark], str]:
    """People's marks and ``"people"``; where there are none and ``simulate`` is set, a
    simulated annotator's marks on ``images`` instead, and what they are."""
    if marks or simulate is None:
        return list(marks), "people"
    chosen = budget_sample(len(images), simulate.budget, simulate.seed)
    stand_in = simulate_marks(
        images, chosen, quality=simulate.quality, kind=simulate.kind, seed=simulate.seed, cell=simulate.cell, split=split
    )
    return stand_in, simulated_source(simulate)
