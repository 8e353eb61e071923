"""Image helpers every photo source shares: a file left out and why, the centred square crop
and its resize, and exact duplicates across splits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

from trustcnn.runtime.ondisk import blocks

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class SkippedFile:
    """A file left out of an ingestion and why (``path`` relative to the root)."""

    path: str
    reason: str


def resize_square(image: Image.Image, box: Box, image_size: int) -> np.ndarray:
    """Crop first: ``resize(box=...)`` would let the filter read pixels outside the box."""
    square = image.crop(box)
    return np.asarray(square.resize((image_size, image_size), Image.Resampling.LANCZOS))


def center_square(size: tuple[int, int]) -> Box:
    width, height = size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def digest(image: np.ndarray) -> bytes:
    array = np.ascontiguousarray(image)
    header = f"{array.shape}{array.dtype.str}".encode()
    return hashlib.sha256(header + array.tobytes()).digest()


def find_duplicates(split_images: dict[str, np.ndarray]) -> list[tuple[str, int, str, int]]:
    """Exact duplicate images in two different splits, as ``(split_a, i, split_b, j)``.

    Images are compared by a SHA-256 of their shape, dtype and bytes (after conversion, so
    the same photo saved as PNG and BMP counts), then confirmed byte for byte. Pairs come
    in the order the splits and images are given; duplicates inside one split are not
    reported (they do not leak between splits). Memory-mapped splits are read block by block.
    """
    seen: dict[bytes, list[tuple[str, int]]] = {}
    pairs: list[tuple[str, int, str, int]] = []
    for split, images in split_images.items():
        for start, block in blocks(images):
            for index, image in enumerate(block, start):
                earlier = seen.setdefault(digest(image), [])
                pairs.extend(
                    (other_split, other_index, split, index)
                    for other_split, other_index in earlier
                    if other_split != split and np.array_equal(split_images[other_split][other_index], image)
                )
                earlier.append((split, index))
    return pairs
