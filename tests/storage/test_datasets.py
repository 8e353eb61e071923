"""Atomic saves: a failed save leaves the previous file intact and no temp file."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from kedro.io import DatasetError
from matplotlib.figure import Figure

from trustcnn.data import ImageSet
from trustcnn.storage import AtomicDataset, FigureDataset, ImageSetDataset, NpzDataset, TorchDataset


def test_imageset_round_trip(tmp_path: Path) -> None:
    images = ImageSet(np.zeros((2, 8, 8, 3), np.uint8), np.array([0, 1]), ("x", "y"), masks=np.ones((2, 8, 8), bool))
    dataset = ImageSetDataset(filepath=str(tmp_path / "a" / "set.npz"))
    dataset.save(images)
    loaded = dataset.load()
    assert loaded.class_names == ("x", "y")
    np.testing.assert_array_equal(loaded.masks, images.masks)


def test_failed_save_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "arrays.npz"
    dataset = NpzDataset(filepath=str(path))
    dataset.save({"a": np.arange(3)})
    with pytest.raises(DatasetError):
        dataset.save({"a": object()})  # not an array: np.savez fails half-way
    np.testing.assert_array_equal(dataset.load()["a"], np.arange(3))
    assert list(tmp_path.iterdir()) == [path]


def test_atomic_wrapper_around_a_kedro_dataset(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    dataset = AtomicDataset(dataset="json.JSONDataset", filepath=str(path))
    dataset.save({"accuracy": 0.5})
    assert dataset.load() == {"accuracy": 0.5}
    with pytest.raises(DatasetError):
        dataset.save({"bad": object()})  # not JSON-serialisable
    assert dataset.load() == {"accuracy": 0.5}
    assert list(tmp_path.iterdir()) == [path]


def test_figure_and_torch_datasets(tmp_path: Path) -> None:
    figure = Figure()
    figure.add_subplot().plot([0, 1])
    png = FigureDataset(filepath=str(tmp_path / "f.png"))
    png.save(figure)
    assert png.load().shape[-1] == 4
    checkpoint = TorchDataset(filepath=str(tmp_path / "m.pt"))
    checkpoint.save({"config": {"a": 1}, "values": [1.0]})
    assert checkpoint.load() == {"config": {"a": 1}, "values": [1.0]}


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="missing.npz"):
        NpzDataset(filepath=str(tmp_path / "missing.npz")).load()


def test_npz_is_byte_identical_for_identical_arrays(tmp_path: Path) -> None:
    data = {"maps": np.random.default_rng(0).random((3, 4, 4)).astype(np.float32), "labels": np.arange(3)}
    first, second = NpzDataset(filepath=str(tmp_path / "a.npz")), NpzDataset(filepath=str(tmp_path / "b.npz"))
    first.save(data)
    time.sleep(2.1)  # zip timestamps have a 2-second resolution
    second.save(data)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = first.load()
    np.testing.assert_array_equal(loaded["maps"], data["maps"])
    assert loaded["labels"].dtype == data["labels"].dtype
