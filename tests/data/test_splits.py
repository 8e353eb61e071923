import numpy as np
import pytest

from trustcnn.data.splits import stratified_split

LABELS = np.repeat(np.arange(5), [100, 57, 80, 33, 130])


def _split(seed: int = 0, val_fraction: float = 0.15, test_fraction: float = 0.2):
    return stratified_split(LABELS, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed)


def test_splits_partition_the_indices():
    index = _split()
    together = np.concatenate([index["train"], index["val"], index["test"]])
    np.testing.assert_array_equal(np.sort(together), np.arange(len(LABELS)))
    for part in index.values():
        np.testing.assert_array_equal(part, np.sort(part))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_class_proportions_are_kept_within_one_image(seed):
    index = _split(seed)
    counts = np.bincount(LABELS)
    for name, fraction in (("train", 0.65), ("val", 0.15), ("test", 0.2)):
        got = np.bincount(LABELS[index[name]], minlength=len(counts))
        assert np.abs(got - counts * fraction).max() <= 1, name


def test_seeded():
    first, again, other = _split(3), _split(3), _split(4)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
    assert not np.array_equal(first["test"], other["test"])


def test_test_set_does_not_depend_on_val_fraction():
    few, many = _split(val_fraction=0.1), _split(val_fraction=0.3)
    np.testing.assert_array_equal(few["test"], many["test"])


@pytest.mark.parametrize(
    ("val_fraction", "test_fraction", "parameter"),
    [
        (0.0, 0.2, "val_fraction"),
        (1.2, 0.2, "val_fraction"),
        (0.2, -0.1, "test_fraction"),
        (0.2, 1.0, "test_fraction"),
        (0.5, 0.5, r"data.val_fraction \+ data.test_fraction"),
    ],
)
def test_invalid_fractions_are_named(val_fraction, test_fraction, parameter):
    with pytest.raises(ValueError, match=parameter):
        _split(val_fraction=val_fraction, test_fraction=test_fraction)
