"""Three views of the same test images that differ only in their decoy's colour.

A model that learnt the object answers the same whatever colour the decoy has; a model
that learnt the shortcut follows the colour. So, with nothing but predictions (no saliency
map, trained or not), the views measure how much a model relies on the decoy:

- ``consistent``: every decoy repainted in the colour of the image's own class (the
  training distribution);
- ``random``: the test split as stored, each decoy in a uniformly random class's colour;
- ``swapped``: every decoy repainted in the colour of another class, drawn uniformly
  (seeded) among the other classes — the shortcut now always points the wrong way.

Images without a decoy are the same in every view.
"""

from __future__ import annotations

import numpy as np

from trustcnn.data.composite import paint_decoys
from trustcnn.data.imageset import ImageSet
from trustcnn.runtime.ondisk import blocks

VIEWS: tuple[str, ...] = ("consistent", "random", "swapped")


def other_classes(labels: np.ndarray, num_classes: int, seed: int) -> np.ndarray:
    """For each label a different class, uniform over the other ``num_classes - 1`` (seeded)."""
    if num_classes < 2:
        raise ValueError(f"a swapped decoy needs at least two classes, got {num_classes}")
    shift = np.random.default_rng(seed).integers(1, num_classes, size=len(labels))
    return (np.asarray(labels) + shift) % num_classes


def decoy_colours(test: ImageSet, seed: int = 0) -> dict[str, np.ndarray]:
    """The colour each image's decoy has in the repainted views (``consistent``, ``swapped``),
    uint8 ``[N, 3]``: enough to paint a view batch by batch without copying the split."""
    if not test.has_decoys:
        raise ValueError("decoy views need a split whose images carry decoys and a decoy_palette")
    palette = test.decoy_palette
    assert palette is not None  # has_decoys
    return {"consistent": palette[test.labels], "swapped": palette[other_classes(test.labels, test.num_classes, seed)]}


def decoy_views(test: ImageSet, seed: int = 0) -> dict[str, ImageSet]:
    """:data:`VIEWS` of ``test``, keyed by name; ``test`` needs decoys and their palette."""
    colours = decoy_colours(test, seed)
    assert test.decoy_masks is not None  # decoy_colours checked has_decoys
    return {
        "consistent": test.with_images(paint_decoys(test.images, test.decoy_masks, colours["consistent"])),
        "random": test,
        "swapped": test.with_images(paint_decoys(test.images, test.decoy_masks, colours["swapped"])),
    }


def decoy_classes(images: ImageSet) -> np.ndarray | None:
    """Per image, the class whose palette colour its decoy has (int64, −1 where it has none),
    read from the first decoy pixel (the nearest palette colour); ``None`` when the split
    carries no decoys. In train a decoy's class is its label's; in test a random one's."""
    if not images.has_decoys:
        return None
    assert images.decoy_palette is not None and images.decoy_masks is not None  # has_decoys
    palette = images.decoy_palette.astype(np.int64)
    found = []
    for start, masks in blocks(images.decoy_masks):
        flat = masks.reshape(len(masks), -1)
        first, rows = flat.argmax(axis=1), np.arange(len(masks))
        pixels = images.images[start : start + len(masks)].reshape(len(masks), -1, 3)[rows, first]  # only those pixels are read
        nearest = np.abs(pixels[:, None, :].astype(np.int64) - palette[None]).sum(axis=-1).argmin(axis=1)
        found.append(np.where(flat[rows, first], nearest, -1))
    return np.concatenate(found).astype(np.int64)
