"""Adding a data source is one module (its ``DataSource``) plus one registration: here a toy
source of bars, registered from the test itself, validated by the configuration and loaded by
the ingestion node into every split, its preview and its report."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from pydantic import ValidationError

from trustcnn.config import DataConfig
from trustcnn.data import SPLITS
from trustcnn.data.images import SkippedFile
from trustcnn.data.source import DataSource, SourceData, glyph_source
from trustcnn.data.sources import SOURCES, register
from trustcnn.pipelines.ingestion.nodes import build_dataset


def _bars(classes: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """A horizontal bar (class 0) or a vertical one (class 1), 40 glyphs each, 8×8 in [0, 1]."""
    glyphs = np.zeros((80, 8, 8), np.float32)
    glyphs[:40, 3:5, :] = 1.0
    glyphs[40:, :, 3:5] = 1.0
    return glyphs, np.repeat(np.arange(2), 40), ("horizontal", "vertical")


def _load(data: DataConfig) -> SourceData:
    loaded = glyph_source(_bars, data)
    return SourceData(loaded.splits, (SkippedFile("bars/none.png", "a toy source's skipped file"),))


@pytest.fixture
def toy_source() -> Iterator[str]:
    register(DataSource("toy_bars", _load))
    yield "toy_bars"
    del SOURCES["toy_bars"]


def test_a_registered_source_is_valid_and_reaches_every_ingestion_output(toy_source: str) -> None:
    data = DataConfig(source=toy_source, image_size=32, source_copies=1, preview_count=4)
    *splits, preview, report = build_dataset(data)
    assert len(splits) == len(SPLITS) and all(len(split) > 0 for split in splits)
    train = splits[SPLITS.index("train")]
    assert train.class_names == ("horizontal", "vertical") and train.masks is not None
    assert preview is not None and report.to_dict("records") == [{"path": "bars/none.png", "reason": "a toy source's skipped file"}]


def test_an_unregistered_source_is_one_error_naming_the_registered_ones(toy_source: str) -> None:
    with pytest.raises(ValidationError, match=r"unknown data source 'bars'; choose one of: digits, .*toy_bars"):
        DataConfig(source="bars")


def test_a_source_that_needs_a_root_says_so(toy_source: str) -> None:
    register(DataSource("toy_folder", _load, needs_root=True))
    try:
        with pytest.raises(ValidationError, match="source toy_folder needs root"):
            DataConfig(source="toy_folder")
    finally:
        del SOURCES["toy_folder"]
