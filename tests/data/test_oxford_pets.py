"""Oxford-IIIT Pet read through torchvision from files the test writes in its layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trustcnn.data.oxford_pets import load_oxford_pets

# (image id, breed class id, species 1 = cat / 2 = dog, breed id)
TRAINVAL = [(f"Abyssinian_{i}", 1, 1, 1) for i in range(4)] + [(f"beagle_{i}", 3, 2, 2) for i in range(4)]
TEST = [(f"Bengal_{i}", 6, 1, 6) for i in range(2)] + [(f"boxer_{i}", 4, 2, 3) for i in range(2)]


@pytest.fixture
def pets_root(tmp_path: Path) -> Path:
    base = tmp_path / "oxford-iiit-pet"
    (base / "images").mkdir(parents=True)
    (base / "annotations" / "trimaps").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, rows in (("trainval", TRAINVAL), ("test", TEST)):
        (base / "annotations" / f"{name}.txt").write_text("".join(f"{i} {c} {s} {b}\n" for i, c, s, b in rows))
        for image_id, *_ in rows:
            Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)).save(base / "images" / f"{image_id}.jpg")
            trimap = np.full((60, 80), 2, np.uint8)  # background
            trimap[20:40, 30:50] = 1  # the pet
            trimap[19, 30:50] = 3  # its border
            Image.fromarray(trimap).save(base / "annotations" / "trimaps" / f"{image_id}.png")
    return tmp_path


def test_cats_vs_dogs_with_trimap_masks(pets_root: Path) -> None:
    images, ids = load_oxford_pets(pets_root, image_size=30, allow_download=False)
    assert images.class_names == ("Cat", "Dog")
    assert images.labels.tolist() == [0] * 4 + [1] * 4 + [0, 0, 1, 1]
    assert images.images.shape == (12, 30, 30, 3) and images.images.dtype == np.uint8
    # 60×80 → centre square 60×60 (x 10..70) → 30×30: the pet at rows 10..20, cols 10..20.
    expected = np.zeros((30, 30), bool)
    expected[10:20, 10:20] = True
    expected[9, 10:20] = True  # the border row 19 → 9 with nearest neighbour
    assert (images.masks[0] == expected).mean() > 0.97
    assert ids[0] == "trainval/0" and ids[-1] == "test/3"


def test_max_per_class(pets_root: Path) -> None:
    images, _ = load_oxford_pets(pets_root, image_size=16, allow_download=False, max_per_class=2)
    assert np.bincount(images.labels).tolist() == [2, 2]


def test_missing_dataset_says_where_it_is_expected(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="oxford-iiit-pet.*allow_download"):
        load_oxford_pets(tmp_path, image_size=16, allow_download=False)


def test_as_a_configured_source(pets_root: Path) -> None:
    from trustcnn.config import DataConfig
    from trustcnn.data.sources import load_source

    loaded = load_source(DataConfig(source="oxford_pets", root=str(pets_root), image_size=16, val_fraction=0.25, test_fraction=0.25))
    assert {name: len(s) for name, s in loaded.splits.items()} == {
        "train": 6,
        "val": 3,
        "test": 3,
        "source_train": 6,
        "source_val": 3,
        "train_no_decoy": 6,
        "val_no_decoy": 3,
    }
    assert loaded.splits["test"].masks is not None


def test_download_path_finds_the_files_already_there(pets_root: Path) -> None:
    """torchvision's download step checks for the files first: nothing is fetched."""
    images, _ = load_oxford_pets(pets_root, image_size=16, allow_download=True)
    assert len(images) == 12
