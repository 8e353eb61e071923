"""A folder of ImageNet classes, labelled with the 1000-class indices (paper §4.2's setup).

Folders are named by ImageNet class index (``"1"``) or category name as torchvision lists
it (``"goldfish"``, or ``"great_white_shark"`` for "great white shark"). Labels are the
1000-way indices and ``class_names`` all 1000 categories, so a pretrained VGG-16 keeps its
own classifier. The category list ships with torchvision: nothing is downloaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from trustcnn.config import DataConfig
from trustcnn.data.image_folder import FolderLoad, load_image_folder
from trustcnn.data.imageset import ImageSet
from trustcnn.data.source import DataSource, SourceData, split_photos
from trustcnn.runtime.errors import DataError


@cache
def imagenet_categories() -> tuple[str, ...]:
    from torchvision.models import VGG16_Weights  # lazily: torchvision's import costs every run ≈1.5 s

    return tuple(VGG16_Weights.IMAGENET1K_V1.meta["categories"])


def imagenet_index(folder: str) -> int:
    """The ImageNet index a class folder stands for (by number or category name)."""
    categories = imagenet_categories()
    if folder.isdigit() and int(folder) < len(categories):
        return int(folder)
    wanted = folder.replace("_", " ").casefold()
    matches = [i for i, name in enumerate(categories) if name.casefold() == wanted]
    if not matches:
        raise DataError(
            f"class folder {folder!r} is not an ImageNet class: name it by index (0-999) or by "
            f"torchvision's category name, e.g. {categories[1]!r} or {categories[2].replace(' ', '_')!r}"
        )
    return matches[0]


def load_imagenet_subset(
    root: str | Path, *, image_size: int, masks_root: str | Path | None = None, memory_budget_mb: float = float("inf")
) -> FolderLoad:
    """:func:`load_image_folder` (same arguments) relabelled with the ImageNet indices."""
    loaded = load_image_folder(root, image_size=image_size, masks_root=masks_root, memory_budget_mb=memory_budget_mb)
    indices = np.array([imagenet_index(name) for name in loaded.images.class_names], dtype=np.int64)
    images = loaded.images
    relabelled = ImageSet(images.images, indices[images.labels], imagenet_categories(), images.masks, images.decoy_masks)
    return FolderLoad(relabelled, loaded.skipped, loaded.paths)


def _load(data: DataConfig) -> SourceData:
    # the folder's images and the splits cut from them are both held: half the budget each
    assert data.root is not None  # DataConfig requires it for a source that needs_root
    loaded = load_imagenet_subset(
        data.root, image_size=data.image_size, masks_root=data.masks_root, memory_budget_mb=data.memory_budget_mb / 2
    )
    return split_photos(loaded.images, loaded.paths, loaded.skipped, data)


SOURCE = DataSource("imagenet_subset", _load, needs_root=True)
