"""How far people agree on what they mark: mean pairwise IoU and Fleiss' κ.

- :func:`pairwise_iou`: the mean IoU over every pair of people who marked the same image,
  averaged over images (two empty marks agree completely: IoU 1).
- :func:`fleiss_kappa` (Fleiss 1971) over subjects × categories counts; with a different
  number of raters per subject (``n_i``), the usual extension: ``P_i = (Σ_j n_ij² − n_i) /
  (n_i (n_i − 1))``, ``P̄`` their mean, ``p_j = Σ_i n_ij / Σ_i n_i``, ``P_e = Σ_j p_j²``,
  ``κ = (P̄ − P_e) / (1 − P_e)``; with equal ``n_i`` it is Fleiss' own.
- :func:`pixel_kappa`: Fleiss' κ with every pixel of every image as a subject and marked /
  not marked as the categories. A grid cell covers the same number of pixels as every other,
  and repeating each subject equally often changes neither ``P̄`` nor ``p_j``, so this is also
  κ over cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np

from trustcnn.data.marks import Mark


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boolean masks; 1 when both are empty."""
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def pairwise_iou(images: Sequence[np.ndarray]) -> float | None:
    """Mean over images (each bool ``[R, H, W]``, R ≥ 2 people) of the mean IoU of their pairs;
    ``None`` when no image has two people's marks."""
    per_image = [np.mean([iou(a, b) for a, b in combinations(marks, 2)]) for marks in images if len(marks) >= 2]
    return float(np.mean(per_image)) if per_image else None


def fleiss_kappa(counts: np.ndarray) -> float | None:
    """Fleiss' κ of ``counts`` ``[subjects, categories]`` (how many raters put each subject in
    each category; at least two raters per subject). ``None`` when chance agreement is total
    (every rating in one category): κ is undefined there."""
    return _kappa(*_kappa_sums(counts))


def pixel_kappa(images: Sequence[np.ndarray]) -> float | None:
    """Fleiss' κ over the pixels of the images (each bool ``[R, H, W]``, R ≥ 2 people), marked
    vs not, summed image by image; ``None`` without such an image or when everyone marked the
    same everywhere."""
    sums: tuple[float, int, np.ndarray] | None = None
    for marks in images:
        if len(marks) >= 2:
            marked = np.asarray(marks).reshape(len(marks), -1).sum(axis=0)
            parts = _kappa_sums(np.stack([marked, len(marks) - marked], axis=1))
            sums = parts if sums is None else (sums[0] + parts[0], sums[1] + parts[1], sums[2] + parts[2])
    return None if sums is None else _kappa(*sums)


def _kappa_sums(counts: np.ndarray) -> tuple[float, int, np.ndarray]:
    """Σ_i P_i, the number of subjects and Σ_i n_ij per category."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or len(counts) == 0 or (counts.sum(axis=1) < 2).any():
        raise ValueError(f"Fleiss' kappa needs [subjects, categories] counts with at least two raters per subject, got {counts.shape}")
    raters = counts.sum(axis=1)
    agreement = ((counts**2).sum(axis=1) - raters) / (raters * (raters - 1))
    return float(agreement.sum()), len(counts), counts.sum(axis=0)


def _kappa(agreement_sum: float, subjects: int, totals: np.ndarray) -> float | None:
    shares = totals / totals.sum()
    chance = float((shares**2).sum())
    return None if chance >= 1.0 else float((agreement_sum / subjects - chance) / (1.0 - chance))


def mark_agreement(images: Mapping[int, Sequence[Mark]]) -> dict[str, dict]:
    """Per kind of mark (``avoid``, ``object``): over the images at least two people marked
    with that kind (``images``: each image's marks, one per person), how many such images, the
    mean pairwise IoU and Fleiss' κ over pixels of what they marked (as marked, not
    complemented: a small avoided patch would otherwise look agreed on by its surroundings)."""
    report = {}
    for kind in ("avoid", "object"):
        of_kind = ([m.mask for m in marks if m.kind == kind] for marks in images.values())
        stacks = [np.stack(masks) for masks in of_kind if len(masks) >= 2]
        if stacks:
            report[kind] = {"images": len(stacks), "mean_pairwise_iou": pairwise_iou(stacks), "fleiss_kappa": pixel_kappa(stacks)}
    return report
