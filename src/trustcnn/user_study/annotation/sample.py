"""Which training images people are asked to mark: stratified over classes, seeded.

Every class gets its proportional share of the images (as the user study's sample does);
within a class the images are taken at random, or — given a score per image — the highest
scores first (ties broken at random, seeded), so the strategies that rank images
(:mod:`.package`) choose from every class rather than from the one the model gets most wrong.
"""

from __future__ import annotations

import numpy as np

from trustcnn.user_study.sample import proportional_quotas, stratified_sample


def choose_images(labels: np.ndarray, scores: np.ndarray | None, n: int, seed: int) -> np.ndarray:
    """``n`` distinct indices into ``labels``, sorted: each class its proportional share,
    at random within it (``scores=None``) or its highest ``scores`` (NaN ranks last).
    All indices when there are fewer than ``n``."""
    labels = np.asarray(labels)
    if scores is None:
        return stratified_sample(labels, n, seed)
    scores = np.asarray(scores, dtype=float)
    if scores.shape != labels.shape:
        raise ValueError(f"{len(scores)} scores for {len(labels)} images")
    if n < 1:
        raise ValueError(f"annotation.n_images must be >= 1, got {n}")
    if n >= len(labels):
        return np.arange(len(labels))
    tiebreak = np.random.default_rng(seed).random(len(labels))
    ranked = np.where(np.isnan(scores), -np.inf, scores)
    classes, counts = np.unique(labels, return_counts=True)
    chosen = []
    for label, k in zip(classes, proportional_quotas(counts, n)):
        members = np.flatnonzero(labels == label)
        order = np.lexsort((tiebreak[members], -ranked[members]))  # by score (high first), then the tie-break
        chosen.append(members[order[:k]])
    return np.sort(np.concatenate(chosen))
