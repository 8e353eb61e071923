"""A quick look at an ImageSet: images with object-mask and decoy outlines."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from trustcnn.data.imageset import ImageSet

MASK_COLOUR = "cyan"
DECOY_COLOUR = "magenta"


def _outline(ax, mask: np.ndarray, colour: str) -> None:
    if mask.any() and not mask.all():
        ax.contour(mask.astype(float), levels=[0.5], colors=colour, linewidths=0.8)


def preview_grid(images: ImageSet, n: int = 16, title: str | None = None) -> Figure:
    """A grid of the first ``n`` images labelled with their class name.

    The object mask is outlined in cyan and the decoy (if any) in magenta, so a glance shows
    whether masks line up with the objects and where the shortcut is. Built on
    :class:`matplotlib.figure.Figure` (no pyplot state), safe with the Agg backend.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    count = min(n, len(images))
    if count == 0:
        raise ValueError("images must not be empty")
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    fig = Figure(figsize=(1.6 * cols, 1.7 * rows + (0.4 if title else 0)), layout="constrained")
    for i in range(count):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(images.images[i], interpolation="nearest")
        if images.masks is not None:
            _outline(ax, images.masks[i], MASK_COLOUR)
        if images.decoy_masks is not None:
            _outline(ax, images.decoy_masks[i], DECOY_COLOUR)
        ax.set_title(images.class_names[images.labels[i]], fontsize=9)
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig
