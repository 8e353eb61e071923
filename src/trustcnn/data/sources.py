"""One entry point for every data source: splits plus a report of what was left out."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from trustcnn.config import DataConfig
from trustcnn.data.decoy_fashion import make_decoy_fashion
from trustcnn.data.digits import load_digit_glyphs
from trustcnn.data.fashion_mnist import load_fashion_glyphs
from trustcnn.data.glyph_task import GlyphLoader, make_glyph_task
from trustcnn.data.image_folder import SkippedFile, find_duplicates, load_image_folder
from trustcnn.data.imagenet_subset import load_imagenet_subset
from trustcnn.data.imageset import ImageSet
from trustcnn.data.oxford_pets import load_oxford_pets
from trustcnn.data.splits import stratified_split
from trustcnn.ondisk import mapping_of


@dataclass(frozen=True)
class SourceData:
    """Splits keyed by ``train``/``val``/``test``/``source_train``/``source_val`` and the
    files that were skipped (with why) or are duplicated across splits."""

    splits: dict[str, ImageSet]
    skipped: tuple[SkippedFile, ...] = ()


def load_source(data: DataConfig) -> SourceData:
    if data.source in ("image_folder", "imagenet_subset"):
        load = load_image_folder if data.source == "image_folder" else load_imagenet_subset
        assert data.root is not None  # DataConfig requires it for these sources
        # the folder's images and the splits cut from them are both held: half the budget each
        loaded = load(data.root, image_size=data.image_size, masks_root=data.masks_root, memory_budget_mb=data.memory_budget_mb / 2)
        return _split_photos(loaded.images, loaded.paths, loaded.skipped, data)
    if data.source == "oxford_pets":
        images, ids = load_oxford_pets(
            data.root or Path(data.raw_dir), image_size=data.image_size, allow_download=data.allow_download,
            max_per_class=data.max_per_class, seed=data.seed,
        )
        return _split_photos(images, ids, (), data)
    if data.source == "decoy_fashion":
        return SourceData(make_decoy_fashion(
            data.classes, root=data.root, cache_root=Path(data.raw_dir), allow_download=data.allow_download,
            image_size=data.image_size, seed=data.seed, val_fraction=data.val_fraction, test_fraction=data.test_fraction,
            swatch=data.decoy.size, decoy_probability=data.decoy.probability, max_per_class=data.max_per_class,
        ))
    loader: GlyphLoader
    if data.source == "fashion_mnist":
        loader = functools.partial(
            load_fashion_glyphs, root=data.root, cache_root=Path(data.raw_dir), allow_download=data.allow_download
        )
    else:
        loader = load_digit_glyphs
    splits = make_glyph_task(
        loader,
        classes=data.classes,
        image_size=data.image_size,
        seed=data.seed,
        val_fraction=data.val_fraction,
        test_fraction=data.test_fraction,
        decoy=data.decoy.enabled,
        decoy_size=data.decoy.size,
        decoy_probability=data.decoy.probability,
        source_decoy_probability=data.decoy.source_probability,
        source_copies=data.source_copies,
        source_classes=data.source_classes,
        max_per_class=data.max_per_class,
        memory_budget_mb=data.memory_budget_mb,
    )
    return SourceData(splits)


def _split_photos(images: ImageSet, paths: tuple[str, ...], skipped: tuple[SkippedFile, ...], data: DataConfig) -> SourceData:
    """Photos split stratified; their source task is their own train/val split (there is
    nothing to re-composite), there is no decoy (so the no-decoy splits are train and val
    themselves), and duplicates across splits are reported. The splits go to temporary files
    when the photos did (they are as large together)."""
    index = stratified_split(
        images.labels, val_fraction=data.val_fraction, test_fraction=data.test_fraction, seed=data.seed,
        class_names=images.class_names,
    )
    budget = float("inf") if mapping_of(images.images) is None else 0.0
    splits = {name: images.subset(idx, budget) for name, idx in index.items()}
    splits["source_train"], splits["source_val"] = splits["train"], splits["val"]
    splits["train_no_decoy"], splits["val_no_decoy"] = splits["train"], splits["val"]
    duplicates = find_duplicates({name: splits[name].images for name in ("train", "val", "test")})
    names = {name: [paths[i] for i in idx] for name, idx in index.items()}
    return SourceData(
        splits,
        skipped + tuple(
            SkippedFile(names[b][j], f"exact duplicate of {names[a][i]} ({a} vs {b}); kept in both")
            for a, i, b, j in duplicates
        ),
    )
