"""Confusion matrix figure: counts written in the cells, colour by row share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure


def confusion_figure(cm: np.ndarray, class_names: Sequence[str], title: str) -> Figure:
    """Rows = true class, columns = predicted class.

    Colour is the row-normalised share (per-class recall on the diagonal) so small classes
    read as clearly as large ones; the cell text is the raw count. Empty rows stay at 0.
    """
    cm = np.asarray(cm)
    k = len(class_names)
    if cm.shape != (k, k):
        raise ValueError(f"cm must have shape ({k}, {k}) for {k} class names, got {cm.shape}")
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0)

    size = 2.0 + 0.55 * k
    fig = Figure(figsize=(size + 1.0, size), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    for (i, j), count in np.ndenumerate(cm):
        colour = "white" if share[i, j] > 0.5 else "black"
        ax.text(j, i, str(count), ha="center", va="center", color=colour, fontsize=8)
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="share of true class")
    return fig
