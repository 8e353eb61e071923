"""Seeded, stratified train/val/test splits."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must lie in (0, 1), got {value}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1 to leave training data, "
            f"got {val_fraction} + {test_fraction}"
        )


def stratified_split(
    labels: np.ndarray, *, val_fraction: float, test_fraction: float, seed: int
) -> dict[str, np.ndarray]:
    """Sorted index arrays ``{"train", "val", "test"}`` preserving class proportions.

    The test set is split off first, then the validation set from the rest, so the test
    set of a given seed does not change when ``val_fraction`` does.
    """
    _check_fractions(val_fraction, test_fraction)
    labels = np.asarray(labels)
    index = np.arange(len(labels))
    rest, test = train_test_split(
        index, test_size=test_fraction, stratify=labels, random_state=seed
    )
    train, val = train_test_split(
        rest,
        test_size=val_fraction / (1 - test_fraction),
        stratify=labels[rest],
        random_state=seed,
    )
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}
