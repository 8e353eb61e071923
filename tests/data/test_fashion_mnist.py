"""Fashion-MNIST from raw *-ubyte.gz files in torchvision's format, written by the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trustcnn.data import fashion_mnist
from trustcnn.data.fashion_mnist import RAW_FILES, load_fashion_glyphs
from trustcnn.data.glyph_task import make_glyph_task


def test_reads_the_raw_files_through_torchvision(raw_root: Path, tmp_path: Path) -> None:
    glyphs, labels, names = load_fashion_glyphs([9, 0], root=raw_root, cache_root=tmp_path / "cache", allow_download=False)
    assert glyphs.shape == (16, 28, 28) and glyphs.dtype == np.float32 and glyphs.max() == 1.0
    assert names == ("Ankle boot", "T-shirt/top")
    assert sorted(set(labels.tolist())) == [0, 1]
    assert all((tmp_path / "cache" / "FashionMNIST" / "raw" / name).is_file() for name in RAW_FILES)


def test_composited_like_digits(raw_root: Path, tmp_path: Path) -> None:
    def loader(classes):
        return load_fashion_glyphs(classes, root=raw_root, cache_root=tmp_path / "cache", allow_download=False)

    splits = make_glyph_task(loader, classes=[0, 1, 2, 3], source_classes=[7, 8, 9], val_fraction=0.25, test_fraction=0.25)
    assert splits["train"].class_names == ("T-shirt/top", "Trouser", "Pullover", "Dress")
    assert splits["train"].masks.any() and splits["train"].decoy_masks.any()
    assert splits["source_train"].class_names == ("Sneaker", "Bag", "Ankle boot")


def test_without_files_or_download_says_how_to_get_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fashion_mnist, "DEBIAN_ROOT", tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_glyphs(None, root=None, cache_root=tmp_path / "cache", allow_download=False)


def test_a_root_without_the_files_names_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_fashion_glyphs(None, root=tmp_path, cache_root=tmp_path / "cache", allow_download=False)


def test_download_path_uses_files_already_in_torchvision_layout(raw_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With download allowed and no raw root, torchvision's download step finds the files
    already in its cache layout and fetches nothing (there is no network here)."""
    cache = tmp_path / "cache"
    fashion_mnist.stage_raw(raw_root, cache)
    monkeypatch.setattr(fashion_mnist, "DEBIAN_ROOT", tmp_path / "absent")
    glyphs, _, _ = load_fashion_glyphs([0], root=None, cache_root=cache, allow_download=True)
    assert len(glyphs) == 8
