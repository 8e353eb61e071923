"""Build the splits of the configured data source and a preview of them."""

from __future__ import annotations

import logging

from matplotlib.figure import Figure

from trustcnn.config import DataConfig
from trustcnn.data import ImageSet, make_digits
from trustcnn.plotting.preview import preview_grid

log = logging.getLogger(__name__)


def build_dataset(data: DataConfig) -> tuple[ImageSet, ImageSet, ImageSet, ImageSet, ImageSet, Figure]:
    """Target task train/val/test, source task train/val, and a preview grid of train."""
    splits = make_digits(
        classes=data.classes,
        image_size=data.image_size,
        seed=data.seed,
        val_fraction=data.val_fraction,
        test_fraction=data.test_fraction,
        decoy=data.decoy.enabled,
        decoy_size=data.decoy.size,
        decoy_probability=data.decoy.probability,
        source_copies=data.source_copies,
        source_classes=data.source_classes,
    )
    log.info("%s: %s", data.source, ", ".join(f"{name}={len(s)}" for name, s in splits.items()))
    preview = preview_grid(splits["train"], n=data.preview_count, title=f"{data.source}: train split")
    return splits["train"], splits["val"], splits["test"], splits["source_train"], splits["source_val"], preview
