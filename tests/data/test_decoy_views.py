"""Views of the test images that differ only in the decoy's colour."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.data import ImageSet, make_digits
from trustcnn.data.decoy_views import VIEWS, decoy_views, other_classes


@pytest.fixture(scope="module")
def test_split() -> ImageSet:
    return make_digits(classes=[0, 1, 2, 3], seed=0, decoy_probability=0.8)["test"]


def _decoy_colour(images: ImageSet) -> np.ndarray:
    """The colour each image's decoy is painted in (undefined rows where there is none)."""
    return np.array([image[mask][0] if mask.any() else np.zeros(3, np.uint8) for image, mask in zip(images.images, images.decoy_masks)])


def test_views_repaint_only_the_decoy(test_split: ImageSet) -> None:
    views = decoy_views(test_split, seed=0)
    assert tuple(views) == VIEWS and views["random"] is test_split
    has = test_split.decoy_masks.any(axis=(1, 2))
    assert 0.6 < has.mean() < 0.95
    palette = test_split.decoy_palette
    np.testing.assert_array_equal(_decoy_colour(views["consistent"])[has], palette[test_split.labels][has])
    swapped = _decoy_colour(views["swapped"])[has]
    assert not (swapped == palette[test_split.labels][has]).all(axis=1).any(), "a swapped decoy kept its own class's colour"
    for view in views.values():
        outside = ~test_split.decoy_masks
        np.testing.assert_array_equal(view.images[outside], test_split.images[outside])
        np.testing.assert_array_equal(view.labels, test_split.labels)


def test_swapped_classes_are_uniform_over_the_others() -> None:
    labels = np.zeros(4000, dtype=int)
    other = other_classes(labels, 5, seed=0)
    assert set(other.tolist()) == {1, 2, 3, 4}
    np.testing.assert_allclose(np.bincount(other, minlength=5)[1:] / 4000, 0.25, atol=0.03)
    np.testing.assert_array_equal(other, other_classes(labels, 5, seed=0))


def test_views_need_decoys() -> None:
    plain = make_digits(classes=[0, 1], decoy=False, seed=0)["test"]
    with pytest.raises(ValueError, match="decoys"):
        decoy_views(plain)
    with pytest.raises(ValueError, match="two classes"):
        other_classes(np.zeros(3, dtype=int), 1, seed=0)
