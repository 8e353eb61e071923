"""Accuracy and macro precision/recall with bootstrap confidence intervals.

Convention (sklearn's ``average="macro", labels=labels, zero_division=0``, ``labels``
defaulting to ``range(K)``): every one of those classes counts in the macro average, and a class with no predictions (precision)
or no true examples (recall) scores 0. The bootstrap uses the same rule in every resample,
so a rare class missing from a resample pulls that replicate down, as it would the point
value on such a test set.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

from trustcnn.metrics.intervals import bootstrap_arrays, estimate

METRICS = ("accuracy", "precision", "recall")


def _check_labels(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> None:
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must be 1-D of equal length, got {y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred must not be empty")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{name} must hold integer class indices, got dtype {y.dtype}")
        if y.min() < 0 or y.max() >= num_classes:
            raise ValueError(f"{name} values must lie in [0, {num_classes}), got [{y.min()}, {y.max()}]")


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den with 0 where den == 0 (sklearn's zero_division=0)."""
    return np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)


def _batched_scores(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int, labels: np.ndarray) -> np.ndarray:
    """``[3, *batch]`` accuracy, macro precision, macro recall along the last axis.

    Per-class counts (true positives, predictions, true examples) come from three
    ``np.bincount`` calls over (replicate, class) bins: O(K) memory per replicate, so the
    1000 ImageNet classes cost no more than a confusion matrix of 10 would.
    """
    batch_shape, n = y_true.shape[:-1], y_true.shape[-1]
    replicates = int(np.prod(batch_shape))
    offsets = np.arange(replicates).reshape(*batch_shape, 1) * num_classes
    size = replicates * num_classes

    def counts(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        flat = np.bincount((offsets + values).ravel(), weights=None if weights is None else weights.ravel(), minlength=size)
        return flat.reshape(*batch_shape, num_classes)

    hits = y_true == y_pred
    tp = counts(y_true, hits.astype(float))
    accuracy = hits.sum(axis=-1) / n
    precision = _safe_ratio(tp, counts(y_pred))[..., labels].mean(axis=-1)
    recall = _safe_ratio(tp, counts(y_true))[..., labels].mean(axis=-1)
    return np.stack([accuracy, precision, recall])


def _sklearn_scores(y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray) -> list[float]:
    macro = {"labels": labels.tolist(), "average": "macro", "zero_division": 0}
    return [
        accuracy_score(y_true, y_pred),
        precision_score(y_true, y_pred, **macro),
        recall_score(y_true, y_pred, **macro),
    ]


def classification_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    num_classes: int,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    labels: np.ndarray | None = None,
) -> dict[str, dict]:
    """``{"accuracy", "precision", "recall"}``, each ``{"value", "ci95"}``; precision and
    recall are macro over ``labels`` (default all ``num_classes``).

    Point values come from scikit-learn (exactly its numbers); the 95% percentile-bootstrap
    intervals from a vectorised confusion-count statistic over paired resamples.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    _check_labels(y_true, y_pred, num_classes)
    labels = np.arange(num_classes) if labels is None else np.asarray(labels)

    def statistic(t: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
        # scipy always reduces along the last axis, which _batched_scores assumes.
        return _batched_scores(t, p, num_classes, labels)

    _, lo, hi = bootstrap_arrays(statistic, y_true, y_pred, n_resamples=n_resamples, seed=seed)
    values = _sklearn_scores(y_true, y_pred, labels)
    return {name: estimate(values[i], lo[i], hi[i]) for i, name in enumerate(METRICS)}


def confusion(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """``[K, K]`` counts, rows = true class, columns = predicted class."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    _check_labels(y_true, y_pred, num_classes)
    return confusion_matrix(y_true, y_pred, labels=list(range(num_classes)))
