"""Seeded, stratified train/val/test splits."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import train_test_split

from trustcnn.runtime.errors import DataError, ParameterError


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < value < 1:
            raise ValueError(f"{name} must lie in (0, 1), got {value}")
    if val_fraction + test_fraction >= 1:
        raise ParameterError(
            f"data.val_fraction + data.test_fraction must be < 1 to leave training data, got {val_fraction} + {test_fraction}"
        )


def check_class_sizes(labels: np.ndarray, val_fraction: float, test_fraction: float, class_names: Sequence[str] | None = None) -> None:
    """Every class must get at least one image in each split (checked before splitting, so
    the message names the class and the parameter, not a label index deep in scikit-learn)."""
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise DataError(f"a classifier needs at least two classes; the data has {len(classes)} (data.classes / the class folders)")
    shares = {"data.test_fraction": test_fraction, "data.val_fraction": val_fraction * 1.0}
    train_share = 1.0 - val_fraction - test_fraction
    for label, count in zip(classes, counts):
        name = repr(class_names[label]) if class_names is not None else f"with label {label}"
        for parameter, share in {**shares, "1 - data.val_fraction - data.test_fraction (train)": train_share}.items():
            if count * share < 1:
                raise DataError(
                    f"class {name} has {count} image(s): {parameter} = {share:g} gives it {count * share:.2f} images in that "
                    f"split, less than one. Raise {parameter.split(' ')[0] if parameter.startswith('data.') else 'the train share'}, "
                    f"data.max_per_class, or add images to the class (needs ≥ {int(np.ceil(1 / max(share, 1e-9)))})."
                )


def stratified_split(
    labels: np.ndarray, *, val_fraction: float, test_fraction: float, seed: int, class_names: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Sorted index arrays ``{"train", "val", "test"}`` preserving class proportions.

    The test set is split off first, then the validation set from the rest, so the test
    set of a given seed does not change when ``val_fraction`` does. Every class must be big
    enough to appear in every split (:func:`check_class_sizes`).
    """
    _check_fractions(val_fraction, test_fraction)
    labels = np.asarray(labels)
    check_class_sizes(labels, val_fraction, test_fraction, class_names)
    index = np.arange(len(labels))
    rest, test = train_test_split(index, test_size=test_fraction, stratify=labels, random_state=seed)
    train, val = train_test_split(
        rest,
        test_size=val_fraction / (1 - test_fraction),
        stratify=labels[rest],
        random_state=seed,
    )
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}
