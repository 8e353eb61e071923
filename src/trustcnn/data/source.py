"""What a data source is (:class:`DataSource`: a name and how it loads), what it loads
(:class:`SourceData`), and the two ways the built-in sources cut their splits: composited
glyphs (:func:`glyph_source`) and photos split stratified (:func:`split_photos`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trustcnn.config import DataConfig
from trustcnn.data.glyph_task import GlyphLoader, make_glyph_task
from trustcnn.data.images import SkippedFile, find_duplicates
from trustcnn.data.imageset import ImageSet
from trustcnn.data.splits import stratified_split
from trustcnn.runtime.ondisk import mapping_of


@dataclass(frozen=True)
class SourceData:
    """Splits keyed by ``train``/``val``/``test``/``source_train``/``source_val`` and the
    files that were skipped (with why) or are duplicated across splits."""

    splits: dict[str, ImageSet]
    skipped: tuple[SkippedFile, ...] = ()


@dataclass(frozen=True)
class DataSource:
    """A data source by the name ``data.source`` gives it: ``load`` turns the ``data``
    parameters into the splits of :data:`trustcnn.data.SPLITS`; ``needs_root``: the
    parameters must name ``root``."""

    name: str
    load: Callable[[DataConfig], SourceData]
    needs_root: bool = False


def glyph_source(loader: GlyphLoader, data: DataConfig) -> SourceData:
    """Glyphs from ``loader`` composited onto textures (:func:`make_glyph_task`) as ``data`` says."""
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


def split_photos(images: ImageSet, paths: tuple[str, ...], skipped: tuple[SkippedFile, ...], data: DataConfig) -> SourceData:
    """Photos split stratified; their source task is their own train/val split (there is
    nothing to re-composite), there is no decoy (so the no-decoy splits are train and val
    themselves), and duplicates across splits are reported. The splits go to temporary files
    when the photos did (they are as large together)."""
    index = stratified_split(
        images.labels,
        val_fraction=data.val_fraction,
        test_fraction=data.test_fraction,
        seed=data.seed,
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
        skipped
        + tuple(SkippedFile(names[b][j], f"exact duplicate of {names[a][i]} ({a} vs {b}); kept in both") for a, i, b, j in duplicates),
    )
