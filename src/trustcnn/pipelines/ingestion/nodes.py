"""Build the splits of the configured data source, a preview, and the ingestion report."""

from __future__ import annotations

import logging

import pandas as pd
from matplotlib.figure import Figure

from trustcnn.config import DataConfig
from trustcnn.data import SPLITS, ImageSet
from trustcnn.data.sources import load_source
from trustcnn.plotting.preview import preview_grid

log = logging.getLogger(__name__)


def build_dataset(
    data: DataConfig,
) -> tuple[ImageSet, ImageSet, ImageSet, ImageSet, ImageSet, ImageSet, ImageSet, Figure, pd.DataFrame]:
    """Target task train/val/test, source task train/val, train/val without decoys, a
    preview grid of train, and every file that was skipped or duplicated, with the reason."""
    loaded = load_source(data)
    splits = loaded.splits
    log.info("%s: %s", data.source, ", ".join(f"{name}={len(s)}" for name, s in splits.items()))
    if loaded.skipped:
        log.warning("%s: %d file(s) skipped or duplicated, see the ingestion report", data.source, len(loaded.skipped))
    report = pd.DataFrame([(s.path, s.reason) for s in loaded.skipped], columns=["path", "reason"])
    preview = preview_grid(splits["train"], n=min(data.preview_count, len(splits["train"])), title=f"{data.source}: train split")
    return (*(splits[name] for name in SPLITS), preview, report)
