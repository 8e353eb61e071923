"""ImageNet-class folders labelled with the 1000-class indices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trustcnn.data.imagenet_subset import imagenet_categories, imagenet_index, load_imagenet_subset


def test_folder_names_map_to_imagenet_indices() -> None:
    assert len(imagenet_categories()) == 1000
    assert imagenet_index("1") == 1
    assert imagenet_index("goldfish") == 1
    assert imagenet_index("Great_White_Shark") == 2
    with pytest.raises(ValueError, match="not an ImageNet class"):
        imagenet_index("unicorn")


def test_subset_keeps_the_1000_way_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for folder in ("goldfish", "207"):
        (tmp_path / folder).mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(tmp_path / folder / f"{i}.png")
    loaded = load_imagenet_subset(tmp_path, image_size=16)
    assert loaded.images.num_classes == 1000
    assert sorted(set(loaded.images.labels.tolist())) == [1, 207]
