"""The risk–coverage curve of a wrongness score (selective prediction)."""

from __future__ import annotations

import numpy as np


def risk_coverage(wrong: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coverage (share kept) and risk (error rate among the kept) as the threshold falls."""
    order = np.argsort(scores, kind="stable")
    errors = np.cumsum(np.asarray(wrong, dtype=float)[order])
    kept = np.arange(1, len(order) + 1)
    return kept / len(order), errors / kept
