"""decoy_fashion: Ross et al.'s Decoy MNIST construction on Fashion-MNIST files the tests write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trustcnn.config import DataConfig
from trustcnn.data.decoy_fashion import corner_swatches, make_decoy_fashion, shade_palette
from trustcnn.data.decoy_views import decoy_views
from trustcnn.data.glyph_task import SPLITS
from trustcnn.data.sources import load_source


@pytest.fixture
def splits(raw_root: Path, tmp_path: Path):
    return make_decoy_fashion(None, root=raw_root, cache_root=tmp_path / "cache", val_fraction=0.2, test_fraction=0.25)


def _shade(images, masks) -> np.ndarray:
    return np.array([image[mask][0, 0] for image, mask in zip(images.images, masks)])


def test_a_corner_swatch_whose_shade_is_the_class_in_train_and_random_in_test(splits) -> None:
    assert set(splits) == set(SPLITS)
    train, test = splits["train"], splits["test"]
    assert train.images.shape[1:] == (28, 28, 3)
    for images in (train, test):
        assert (images.decoy_masks.sum(axis=(1, 2)) == 16).all()
        corners = images.decoy_masks[:, [0, 0, -1, -1], [0, -1, 0, -1]]
        assert (corners.sum(axis=1) == 1).all(), "exactly one corner holds the swatch"
        np.testing.assert_array_equal(images.masks, ~images.decoy_masks)  # the swatch is the irrelevant region
    np.testing.assert_array_equal(_shade(train, train.decoy_masks), 255 - 25 * train.labels)
    assert (_shade(test, test.decoy_masks) != 255 - 25 * test.labels).mean() > 0.5
    consistent = decoy_views(test)["consistent"]
    np.testing.assert_array_equal(_shade(consistent, test.decoy_masks), 255 - 25 * test.labels)


def test_no_decoy_twins_and_source_task(splits) -> None:
    train, twin = splits["train"], splits["train_no_decoy"]
    np.testing.assert_array_equal(twin.images[~train.decoy_masks], train.images[~train.decoy_masks])
    assert not twin.decoy_masks.any() and twin.masks.all()
    assert splits["source_train"] is train and splits["source_val"] is splits["val"]


def test_configured_source_and_its_errors(raw_root: Path, tmp_path: Path) -> None:
    data = DataConfig(
        source="decoy_fashion", root=str(raw_root), raw_dir=str(tmp_path / "raw"), image_size=28, classes=[0, 1, 2], decoy={"size": 4}
    )
    loaded = load_source(data)
    assert loaded.splits["train"].class_names == ("T-shirt/top", "Trouser", "Pullover")
    np.testing.assert_array_equal(loaded.splits["test"].decoy_palette[:, 0], [255, 230, 205])
    with pytest.raises(ValueError, match="data.decoy.size"):
        corner_swatches(np.ones(2, bool), 28, 15, np.random.default_rng(0))
    with pytest.raises(ValueError, match="1..10 classes"):
        shade_palette(11)
