"""Splits are stored uncompressed and load memory-mapped, byte-identical on re-save."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trustcnn.data import ImageSet
from trustcnn.runtime.ondisk import mapping_of
from trustcnn.storage import ImageSetDataset, NpzDataset


def _split(n: int = 6) -> ImageSet:
    rng = np.random.default_rng(0)
    masks = rng.random((n, 8, 8)) > 0.5
    return ImageSet(
        rng.integers(0, 256, (n, 8, 8, 3), dtype=np.uint8), np.arange(n) % 2, ("a", "b"), masks, masks, np.uint8([[1, 2, 3], [4, 5, 6]])
    )


def test_a_split_loads_memory_mapped_and_equal(tmp_path: Path) -> None:
    dataset = ImageSetDataset(str(tmp_path / "train.npz"))
    dataset.save(_split())
    loaded = dataset.load()
    assert all(mapping_of(array) is not None for array in (loaded.images, loaded.masks, loaded.labels))
    for name, array in _split().to_arrays().items():
        np.testing.assert_array_equal(loaded.to_arrays()[name], array)
    first = (tmp_path / "train.npz").read_bytes()
    dataset.save(loaded)
    assert (tmp_path / "train.npz").read_bytes() == first


def test_a_compressed_split_from_before_still_loads(tmp_path: Path) -> None:
    NpzDataset(str(tmp_path / "old.npz")).save(_split().to_arrays())
    loaded = ImageSetDataset(str(tmp_path / "old.npz")).load()
    np.testing.assert_array_equal(loaded.images, _split().images)
    assert loaded.class_names == ("a", "b")
