"""How well a wrongness score finds the wrong predictions: AUROC, the risk–coverage curve,
and accuracy after discarding the most suspect predictions — with bootstrap 95% CIs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.stats import rankdata

from trustcnn.metrics import estimate


def auroc(wrong: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Area under the ROC curve of ``scores`` for ``wrong``, along the last axis (ties count
    half, as in scikit-learn); NaN where only one kind is present."""
    wrong = np.asarray(wrong, dtype=bool)
    ranks = rankdata(scores, axis=-1)
    positives = wrong.sum(axis=-1)
    negatives = wrong.shape[-1] - positives
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((ranks * wrong).sum(axis=-1) - positives * (positives + 1) / 2) / (positives * negatives)


def accuracy_kept(wrong: np.ndarray, scores: np.ndarray, coverage: float) -> np.ndarray:
    """Accuracy on the ``coverage`` share of predictions with the lowest scores (the rest
    discarded as flagged), along the last axis."""
    kept = max(1, int(np.ceil(coverage * wrong.shape[-1])))
    order = np.argsort(scores, axis=-1, kind="stable")[..., :kept]
    return 1.0 - np.take_along_axis(np.asarray(wrong, dtype=float), order, axis=-1).mean(axis=-1)


def bootstrap_score(statistic, wrong: np.ndarray, scores: np.ndarray, n_resamples: int, seed: int) -> dict:
    """``statistic(wrong, scores)`` (vectorised along the last axis) with a 95% CI from
    resampling predictions; ``None`` where it is undefined (one kind only)."""
    value = float(statistic(wrong, scores))
    if not np.isfinite(value):
        return {"value": None, "ci95": [None, None]}
    index = np.random.default_rng(seed).integers(len(wrong), size=(n_resamples, len(wrong)))
    replicates = statistic(wrong[index], scores[index])
    replicates = replicates[np.isfinite(replicates)]
    lo, hi = np.percentile(replicates, [2.5, 97.5])
    return estimate(value, lo, hi)


def detector_report(
    scores: Mapping[str, np.ndarray | None], wrong: np.ndarray, *, coverage: float, n_resamples: int, seed: int, note: str | None = None
) -> dict[str, dict]:
    """Per detector: ``auroc`` and ``accuracy_at_coverage`` with 95% CIs (images resampled
    with their scores); a detector without scores gets ``note`` instead."""
    wrong = np.asarray(wrong, dtype=bool)
    report: dict[str, dict] = {}
    for name, values in scores.items():
        if values is None:
            report[name] = {"note": note or "not fitted"}
            continue
        values = np.asarray(values, dtype=float)
        report[name] = {
            "auroc": bootstrap_score(auroc, wrong, values, n_resamples, seed),
            "accuracy_at_coverage": bootstrap_score(lambda w, s: accuracy_kept(w, s, coverage), wrong, values, n_resamples, seed),
            "coverage": coverage,
        }
    return report
