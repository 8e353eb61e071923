"""``decoy_fashion``: Ross et al.'s Decoy MNIST construction (2017) on Fashion-MNIST.

Each grayscale item keeps its black background; a ``swatch``×``swatch`` square (4 px in the
paper) is painted in a randomly chosen corner. Its shade encodes the class in train and
val (``255 − 25·y``, the paper's rule) and is the shade of a uniformly random class in test,
so a model that learnt the swatch is caught out. The swatch is the *annotated irrelevant
region*: the image's mask is everything else, which is what RRR-type losses read
(their penalty lies on ``1 − mask``). Images are replicated to RGB for the CNNs.

Differences from the paper, stated in the README: Fashion-MNIST instead of MNIST, a CNN
instead of the paper's two-layer MLP, and the budget in ``conf/decoy_fashion``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from trustcnn.config import DataConfig
from trustcnn.data.composite import paint_decoys, place, resize_glyphs
from trustcnn.data.fashion_mnist import load_fashion_glyphs
from trustcnn.data.glyph_task import NO_DECOY, at_most_per_class
from trustcnn.data.imageset import ImageSet
from trustcnn.data.source import DataSource, SourceData
from trustcnn.data.splits import stratified_split
from trustcnn.runtime.errors import ParameterError

SHADE_STEP = 25
TARGET_SPLITS = ("train", "val", "test")


def shade_palette(num_classes: int) -> np.ndarray:
    """uint8 ``[K, 3]`` grey ``255 − 25·k`` for class ``k`` (the paper's rule, K ≤ 10)."""
    if not 1 <= num_classes <= 10:
        raise ParameterError(f"data.classes: decoy_fashion's shades 255 - 25k need 1..10 classes, got {num_classes}")
    shades = 255 - SHADE_STEP * np.arange(num_classes)
    return np.repeat(shades[:, None], 3, axis=1).astype(np.uint8)


def corner_swatches(present: np.ndarray, image_size: int, swatch: int, rng: np.random.Generator) -> np.ndarray:
    """bool ``[N, S, S]``: a ``swatch`` square in a random corner where ``present``."""
    if not 1 <= swatch <= image_size // 2:
        raise ParameterError(f"data.decoy.size must lie in [1, {image_size // 2}] for image_size={image_size}, got {swatch}")
    n = len(present)
    far = image_size - swatch
    ys, xs = rng.integers(0, 2, size=(2, n)) * far
    squares = np.broadcast_to(present[:, None, None], (n, swatch, swatch))
    return place(squares, ys, xs, image_size)


def make_decoy_fashion(
    classes: Sequence[int] | None,
    *,
    root: str | Path | None,
    cache_root: str | Path,
    allow_download: bool = False,
    image_size: int = 28,
    seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.25,
    swatch: int = 4,
    decoy_probability: float = 1.0,
    max_per_class: int | None = None,
) -> dict[str, ImageSet]:
    """Splits keyed like :data:`trustcnn.data.glyph_task.SPLITS`. The source task is the
    target's own train/val (there is nothing to re-composite; train end to end from a random
    backbone, ``model.backbone_weights: none``, as the paper did)."""
    pool = load_fashion_glyphs(classes, root=root, cache_root=cache_root, allow_download=allow_download)
    glyphs, labels, class_names = at_most_per_class(pool, max_per_class, seed)
    if image_size != glyphs.shape[-1]:
        glyphs = resize_glyphs(glyphs, image_size)
    palette = shade_palette(len(class_names))
    index = stratified_split(labels, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed, class_names=class_names)
    splits: dict[str, ImageSet] = {}
    for name, stream in zip(TARGET_SPLITS, np.random.SeedSequence(seed).spawn(len(TARGET_SPLITS))):
        rng = np.random.default_rng(stream)
        y = labels[index[name]]
        gray = np.round(glyphs[index[name]] * 255).astype(np.uint8)
        undecorated = np.repeat(gray[..., None], 3, axis=-1)
        swatches = corner_swatches(rng.random(len(y)) < decoy_probability, image_size, swatch, rng)
        shade_of = y if name != "test" else rng.integers(len(class_names), size=len(y))
        splits[name] = ImageSet(
            paint_decoys(undecorated, swatches, palette[shade_of]),
            y,
            class_names,
            masks=~swatches,
            decoy_masks=swatches,
            decoy_palette=palette,
        )
        if f"{name}_no_decoy" in NO_DECOY:
            splits[f"{name}_no_decoy"] = ImageSet(
                undecorated, y, class_names, masks=np.ones_like(swatches), decoy_masks=np.zeros_like(swatches)
            )
    splits["source_train"], splits["source_val"] = splits["train"], splits["val"]
    return splits


def _load(data: DataConfig) -> SourceData:
    return SourceData(
        make_decoy_fashion(
            data.classes,
            root=data.root,
            cache_root=Path(data.raw_dir),
            allow_download=data.allow_download,
            image_size=data.image_size,
            seed=data.seed,
            val_fraction=data.val_fraction,
            test_fraction=data.test_fraction,
            swatch=data.decoy.size,
            decoy_probability=data.decoy.probability,
            max_per_class=data.max_per_class,
        )
    )


SOURCE = DataSource("decoy_fashion", _load)
