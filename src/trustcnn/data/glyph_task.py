"""Composited sources: grayscale glyphs (digits, Fashion-MNIST items) pasted onto texture
photos, split into a target task (with an optional decoy) and a source task."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from trustcnn.data.composite import DecoyMode, composite_glyphs, palette_uint8
from trustcnn.data.imageset import ImageSet
from trustcnn.data.splits import stratified_split
from trustcnn.runtime.errors import ParameterError
from trustcnn.runtime.ondisk import allocate

COMPOSITED: tuple[str, ...] = ("train", "val", "test", "source_train", "source_val")
NO_DECOY: tuple[str, ...] = ("train_no_decoy", "val_no_decoy")
SPLITS: tuple[str, ...] = COMPOSITED + NO_DECOY
"""Every split a source yields: the target task, the source task, and the target's train
and val images without their decoys (what the no-decoy reference model trains on)."""
Glyphs = tuple[np.ndarray, np.ndarray, tuple[str, ...]]
GlyphLoader = Callable[[Sequence[int] | None], Glyphs]


def default_glyph_size(image_size: int) -> int:
    """5/8 of the image (20 px at 32): clearly readable, with room for a decoy beside it."""
    return round(image_size * 5 / 8)


def default_decoy_size(image_size: int) -> int:
    """5/32 of the image (5 px at 32), at least one pixel."""
    return max(1, round(image_size * 5 / 32))


def make_glyph_task(
    load_glyphs: GlyphLoader,
    *,
    classes: Sequence[int] | None = None,
    image_size: int = 32,
    glyph_size: int | None = None,
    seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.2,
    decoy: bool = True,
    decoy_size: int | None = None,
    decoy_probability: float = 1.0,
    source_decoy_probability: float = 0.0,
    source_copies: int = 1,
    source_classes: Sequence[int] | None = None,
    max_per_class: int | None = None,
    memory_budget_mb: float = float("inf"),
) -> dict[str, ImageSet]:
    """A composited source (digits, Fashion-MNIST, …) as ImageSets keyed by :data:`SPLITS`,
    with masks and decoy masks. ``load_glyphs(classes)`` returns grayscale glyphs in
    [0, 1], labels 0..K-1 and class names; ``max_per_class`` keeps a seeded random
    subset of each class (for large sources).

    The glyphs are split once (stratified, seeded). The *target task* is ``train``, ``val``
    and ``test``: with ``decoy`` the decoy is ``"correlated"`` with the class in train and
    val and ``"random"`` in test (a shortcut that stops working at test time), else there is
    none. The *source task* (``source_train``, ``source_val``), used to pretrain a backbone
    as an offline stand-in for ImageNet, re-composites the train and val glyphs with its own
    random stream (other crops, positions, colours) and no decoy; test glyphs never enter
    it. ``source_train`` composites each train glyph ``source_copies`` times (different
    backgrounds and positions each time): the backbone sees more scenes than the target
    task has images, as a pretrained backbone would. With ``source_classes`` the source
    task is instead those other digits (all their glyphs, split train/val), so the
    backbone transfers to classes it has never seen. With ``decoy`` and
    ``source_decoy_probability`` > 0, that share of ``source_train`` images carries a decoy in
    its *source* class's colour, so the backbone learns colour-patch features the way an
    ImageNet backbone has colour detectors — which is what lets a classifier on top of it
    take the target task's shortcut; ``source_val`` never has one, so its accuracy measures
    the glyphs alone. ``train_no_decoy`` and ``val_no_decoy`` are ``train`` and ``val``
    before the decoy was painted (same glyphs, backgrounds, positions, colours). Every
    ImageSet has ``decoy_masks`` (all False without a decoy) and the ones with decoys their
    ``decoy_palette``. ``glyph_size`` and ``decoy_size`` default to
    :func:`default_glyph_size` and :func:`default_decoy_size`. When the splits together
    (:func:`task_bytes`) exceed ``memory_budget_mb`` — they are all held until they are
    saved — every one is composited into memory-mapped temporary files, chunk by chunk
    (:func:`~trustcnn.data.composite.composite_glyphs`): the same bytes, bounded memory.
    """
    if source_copies < 1:
        raise ValueError(f"source_copies must be ≥ 1, got {source_copies}")
    target = load_glyphs(classes)
    class_names = target[2]
    index = _split_pool(target, max_per_class, seed, val_fraction, test_fraction)
    index["source_train"] = np.tile(index["train"], source_copies)
    index["source_val"] = index["val"]
    pools = dict.fromkeys(SPLITS, target)
    if source_classes is not None:
        source = load_glyphs(source_classes)
        if set(source[2]) & set(class_names):
            raise ParameterError(f"data.source_classes {list(source_classes)} overlap the target classes {list(class_names)}")
        source_index = _split_pool(source, max_per_class, seed, val_fraction, test_fraction)
        index["source_train"] = np.tile(source_index["train"], source_copies)
        index["source_val"] = source_index["val"]
        pools["source_train"] = pools["source_val"] = source
    modes: dict[str, DecoyMode] = dict.fromkeys(COMPOSITED, "none")
    probabilities = dict.fromkeys(COMPOSITED, decoy_probability)
    if decoy:
        modes.update(train="correlated", val="correlated", test="random")
        if source_decoy_probability > 0:
            modes["source_train"], probabilities["source_train"] = "correlated", source_decoy_probability
    streams = np.random.SeedSequence(seed).spawn(len(COMPOSITED))
    fits = task_bytes({name: len(index[name]) for name in COMPOSITED}, image_size) <= memory_budget_mb * 2**20
    budget = float("inf") if fits else 0.0  # all in memory, or every array in a temporary file
    splits: dict[str, ImageSet] = {}
    for name, stream in zip(COMPOSITED, streams):
        splits[name], undecorated = _composite_split(
            pools[name][0],
            index[name],
            pools[name][1][index[name]],
            pools[name][2],
            rng=np.random.default_rng(stream),
            image_size=image_size,
            glyph_size=default_glyph_size(image_size) if glyph_size is None else glyph_size,
            decoy=modes[name],
            decoy_size=default_decoy_size(image_size) if decoy_size is None else decoy_size,
            decoy_probability=probabilities[name],
            memory_budget_mb=budget,
        )
        if f"{name}_no_decoy" in NO_DECOY:
            splits[f"{name}_no_decoy"] = undecorated
    return {name: splits[name] for name in SPLITS}


BYTES_PER_PIXEL = 9
"""What a composited image holds per pixel, with its no-decoy twin: two RGB images (painted and
undecorated, 3 bytes each), the object mask, the decoy mask and the twin's empty decoy mask."""


def task_bytes(images: dict[str, int], image_size: int) -> int:
    """Bytes the composited splits take in memory, ``images`` being their sizes."""
    return sum(images.values()) * image_size**2 * BYTES_PER_PIXEL


def kept_per_class(labels: np.ndarray, num_classes: int, max_per_class: int | None, seed: int) -> np.ndarray:
    """The sorted positions of a seeded random subset of at most ``max_per_class`` glyphs per class."""
    if max_per_class is None:
        return np.arange(len(labels))
    if max_per_class < 1:
        raise ValueError(f"max_per_class must be ≥ 1, got {max_per_class}")
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.permutation(np.flatnonzero(labels == k))[:max_per_class] for k in range(num_classes)])
    keep.sort()
    return keep


def at_most_per_class(pool: Glyphs, max_per_class: int | None, seed: int) -> Glyphs:
    """:func:`kept_per_class` of ``pool``, gathered, in original order."""
    glyphs, labels, class_names = pool
    if max_per_class is None:
        return pool
    keep = kept_per_class(labels, len(class_names), max_per_class, seed)
    return glyphs[keep], labels[keep], class_names


def _split_pool(pool: Glyphs, max_per_class: int | None, seed: int, val_fraction: float, test_fraction: float) -> dict[str, np.ndarray]:
    """Train/val/test positions in ``pool`` of its :func:`kept_per_class` glyphs (stratified,
    seeded) — the glyphs themselves are never copied."""
    keep = kept_per_class(pool[1], len(pool[2]), max_per_class, seed)
    index = stratified_split(pool[1][keep], val_fraction=val_fraction, test_fraction=test_fraction, seed=seed, class_names=pool[2])
    return {name: keep[positions] for name, positions in index.items()}


def _composite_split(
    glyphs: np.ndarray,
    rows: np.ndarray,
    labels: np.ndarray,
    class_names: tuple[str, ...],
    *,
    rng: np.random.Generator,
    image_size: int,
    glyph_size: int,
    decoy: DecoyMode,
    decoy_size: int,
    decoy_probability: float,
    memory_budget_mb: float,
) -> tuple[ImageSet, ImageSet]:
    """The composited split of ``glyphs[rows]`` and its undecorated twin (no decoy painted)."""
    result = composite_glyphs(
        glyphs,
        labels,
        rows=rows,
        memory_budget_mb=memory_budget_mb,
        num_classes=len(class_names),
        rng=rng,
        image_size=image_size,
        glyph_size=glyph_size,
        decoy=decoy,
        decoy_size=decoy_size,
        decoy_probability=decoy_probability,
    )
    painted = ImageSet(
        images=result.images,
        labels=labels,
        class_names=class_names,
        masks=result.masks,
        decoy_masks=result.decoy_masks,
        decoy_palette=None if decoy == "none" else palette_uint8(len(class_names)),
    )
    undecorated = ImageSet(
        images=result.undecorated,
        labels=labels,
        class_names=class_names,
        masks=result.masks,
        decoy_masks=result.decoy_masks if decoy == "none" else allocate(result.decoy_masks.shape, bool, memory_budget_mb),
    )
    return painted, undecorated
