"""Fashion-MNIST raw files in torchvision's IDX format, written by the tests (nothing fetched)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np


def _write_idx(path: Path, array: np.ndarray) -> None:
    """The IDX format torchvision reads: magic (0x08 = ubyte, ndim), dims, bytes."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fashion_raw(root: Path, train: int = 60, test: int = 20) -> Path:
    """``train`` + ``test`` noisy 28×28 images, labels cycling through the ten classes, each
    with a solid square "item" in the middle, as the four ``*-ubyte.gz`` files in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", train), ("t10k", test)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 256, (n, 28, 28))
        images[:, 10:18, 10:18] = 255
        _write_idx(root / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return root
