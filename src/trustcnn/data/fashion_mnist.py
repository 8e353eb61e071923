"""Fashion-MNIST glyphs for the compositor, read with ``torchvision.datasets.FashionMNIST``.

The raw ``*-ubyte.gz`` files come from ``data.root``, else from Debian's
``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``); they are
decompressed once into torchvision's layout under a cache folder. Downloading happens only
when allowed and no local copy exists.
"""

from __future__ import annotations

import functools
import gzip
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from trustcnn.config import DataConfig
from trustcnn.data.source import DataSource, SourceData, glyph_source
from trustcnn.runtime.atomic import atomic_path
from trustcnn.runtime.errors import MissingFileError, ParameterError

DEBIAN_ROOT = Path("/usr/share/datasets/fashion-mnist")
CONVERT_ROWS = 8192
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def find_raw_root(root: str | Path | None) -> Path | None:
    """``root`` if given (it must hold the files), else Debian's folder if installed."""
    if root is not None:
        root = Path(root)
        missing = [name for name in RAW_FILES if not (root / f"{name}.gz").is_file() and not (root / name).is_file()]
        if missing:
            raise MissingFileError(f"data.root={root} lacks the Fashion-MNIST raw files {missing} (*-ubyte or *-ubyte.gz)")
        return root
    return DEBIAN_ROOT if all((DEBIAN_ROOT / f"{name}.gz").is_file() for name in RAW_FILES) else None


def stage_raw(raw_root: Path, cache_root: Path) -> None:
    """Decompress the raw files into ``cache_root/FashionMNIST/raw`` (torchvision's layout)."""
    target = cache_root / "FashionMNIST" / "raw"
    target.mkdir(parents=True, exist_ok=True)
    for name in RAW_FILES:
        if (target / name).is_file():
            continue
        packed, plain = raw_root / f"{name}.gz", raw_root / name
        with atomic_path(target / name) as tmp:
            if packed.is_file():
                with gzip.open(packed, "rb") as src, open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            else:
                shutil.copyfile(plain, tmp)


def load_fashion_glyphs(
    classes: Sequence[int] | None, *, root: str | Path | None, cache_root: str | Path, allow_download: bool
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Train + test images of ``classes`` (default all ten) as float32 ``[N, 28, 28]`` in [0, 1],
    labels remapped to 0..K-1 in the order given, and their class names."""
    cache_root = Path(cache_root)
    raw_root = find_raw_root(root)
    if raw_root is not None:
        stage_raw(raw_root, cache_root)
    elif not (cache_root / "FashionMNIST" / "raw" / RAW_FILES[0]).is_file() and not allow_download:
        raise MissingFileError(
            "data.source=fashion_mnist: no Fashion-MNIST files found. Install Debian's package "
            "(apt-get install dataset-fashion-mnist → /usr/share/datasets/fashion-mnist), set data.root to "
            "a folder holding the *-ubyte.gz files, or set data.allow_download=true where there is a network."
        )
    from torchvision.datasets import FashionMNIST  # lazily: torchvision's import costs every run ≈1.5 s

    parts = [FashionMNIST(str(cache_root), train=train, download=allow_download and raw_root is None) for train in (True, False)]
    images = torch.cat([p.data for p in parts]).numpy()
    targets = torch.cat([p.targets for p in parts]).numpy()
    names = parts[0].classes
    chosen = tuple(range(len(names))) if classes is None else tuple(int(c) for c in classes)
    if not chosen or len(set(chosen)) != len(chosen) or not set(chosen) <= set(range(len(names))):
        raise ParameterError(f"data.classes must be distinct Fashion-MNIST labels in 0..9, got {classes!r}")
    keep = np.flatnonzero(np.isin(targets, chosen))
    remap = np.full(len(names), -1, dtype=np.int64)
    remap[list(chosen)] = np.arange(len(chosen))
    glyphs = np.empty((len(keep), *images.shape[1:]), dtype=np.float32)
    for start in range(0, len(keep), CONVERT_ROWS):  # in blocks: no float64 copy of the whole set
        glyphs[start : start + CONVERT_ROWS] = images[keep[start : start + CONVERT_ROWS]] / 255.0
    return glyphs, remap[targets[keep]], tuple(names[c] for c in chosen)


def _load(data: DataConfig) -> SourceData:
    loader = functools.partial(load_fashion_glyphs, root=data.root, cache_root=Path(data.raw_dir), allow_download=data.allow_download)
    return glyph_source(loader, data)


SOURCE = DataSource("fashion_mnist", _load)
