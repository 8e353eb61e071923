"""Oxford-IIIT Pet as cats vs dogs (the paper's task), with trimap masks, via torchvision.

torchvision's ``OxfordIIITPet`` reads ``root/oxford-iiit-pet/{images,annotations}``; its
``binary-category`` target is the species (Cat/Dog) taken from the breed list. Trimap
values are 1 pet, 2 background, 3 border; the mask is the pet and its border (1 or 3).
Both official splits are pooled: trustcnn makes its own stratified, seeded splits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from trustcnn.config import DataConfig
from trustcnn.data.images import center_square, resize_square
from trustcnn.data.imageset import ImageSet
from trustcnn.data.source import DataSource, SourceData, split_photos
from trustcnn.runtime.errors import DataError, MissingFileError

if TYPE_CHECKING:
    from torchvision.datasets import OxfordIIITPet

PET, BORDER = 1, 3


def load_oxford_pets(
    root: str | Path, *, image_size: int, allow_download: bool, max_per_class: int | None = None, seed: int = 0
) -> tuple[ImageSet, tuple[str, ...]]:
    """All images as an ImageSet (classes ``("Cat", "Dog")``, masks from trimaps) and
    their ids (``<official split>/<index>``)."""
    parts = {split: _dataset(root, split, allow_download) for split in ("trainval", "test")}
    items = [(split, i) for split, part in parts.items() for i in range(len(part))]
    labels = np.array([parts[split][i][1][0] for split, i in items], dtype=np.int64) if max_per_class else None
    items = _at_most(items, labels, max_per_class, seed)
    images, masks, kept_labels = zip(*(_load_pair(image, target, image_size) for image, target in (parts[split][i] for split, i in items)))
    ids = tuple(f"{split}/{i}" for split, i in items)
    classes = tuple(parts["trainval"].bin_classes)
    return ImageSet(np.stack(images), np.array(kept_labels, dtype=np.int64), classes, np.stack(masks)), ids


def _dataset(root: str | Path, split: str, allow_download: bool) -> OxfordIIITPet:
    from torchvision.datasets import OxfordIIITPet  # lazily: torchvision's import costs every run ≈1.5 s

    try:
        return OxfordIIITPet(str(root), split=split, target_types=["binary-category", "segmentation"], download=allow_download)
    except RuntimeError as error:
        raise MissingFileError(
            f"data.source=oxford_pets: no Oxford-IIIT Pet under {Path(root) / 'oxford-iiit-pet'} ({error}). Put "
            "images/ and annotations/ (with trimaps/, trainval.txt, test.txt) there, or set "
            "data.allow_download=true where there is a network."
        ) from error


def _load_pair(image: Image.Image, target: list, image_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    label, seg = target
    if image.size != seg.size:
        raise DataError(f"an Oxford-IIIT Pet trimap is {seg.size} but its image is {image.size}")
    box = center_square(image.size)
    trimap = np.asarray(seg.crop(box).resize((image_size, image_size), Image.Resampling.NEAREST))
    return resize_square(image, box, image_size), np.isin(trimap, (PET, BORDER)), label


def _at_most(items: list, labels: np.ndarray | None, max_per_class: int | None, seed: int) -> list:
    if max_per_class is None:
        return items
    assert labels is not None  # computed whenever max_per_class is
    rng = np.random.default_rng(seed)
    keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == k))[:max_per_class] for k in np.unique(labels)]))
    return [items[i] for i in keep]


def _load(data: DataConfig) -> SourceData:
    images, ids = load_oxford_pets(
        data.root or Path(data.raw_dir),
        image_size=data.image_size,
        allow_download=data.allow_download,
        max_per_class=data.max_per_class,
        seed=data.seed,
    )
    return split_photos(images, ids, (), data)


SOURCE = DataSource("oxford_pets", _load)
