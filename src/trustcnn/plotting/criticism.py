"""A model's prototypes and criticisms: per class a row of each, maps overlaid, decoys marked."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from trustcnn.plotting.overlays import MAP_ALPHA, MAP_CMAP, RIGHT_COLOUR, WRONG_COLOUR, map_colourbar

DECOY_OUTLINE = "white"
CONSISTENT_COLOUR = "magenta"


def criticism_figure(
    report: Mapping, images: np.ndarray, decoy_masks: np.ndarray | None, maps: np.ndarray, row_of: Mapping[int, int],
    name: str, method: str,
) -> Figure:
    """Two rows per class of ``report`` (:func:`trustcnn.criticism.criticise`'s): its
    prototypes, then its criticisms, each over ``method``'s map (``maps[row_of[test_index]]``
    at image size, like ``images`` and ``decoy_masks``). Titles: label → prediction (green
    right, red wrong); below, the decoy's colour class, in magenta when it is the row's class;
    the decoy is outlined."""
    classes = report["classes"]
    columns = max([len(c[role]) for c in classes.values() for role in ("prototypes", "criticisms")] + [1])
    figure = Figure(figsize=(1.45 * columns + 1.6, 1.6 * 2 * len(classes) + 0.6), layout="constrained")
    axes = figure.subplots(2 * len(classes), columns, squeeze=False)
    for r, (label, row) in enumerate(classes.items()):
        for offset, role in enumerate(("prototypes", "criticisms")):
            line = axes[2 * r + offset]
            line[0].set_ylabel(f"{label}\n{role}", fontsize=8)  # the class the images were selected for
            for col, ax in enumerate(line):
                _frame(ax)
                if col < len(row[role]):
                    item = row[role][col]
                    i = row_of[item["test_index"]]
                    _cell(ax, images[i], maps[i], None if decoy_masks is None else decoy_masks[i], item)
                elif col:
                    ax.set_axis_off()
    summary = report["summary"]["decoy_driven_prototypes"]
    decoy = "" if summary["value"] is None else (
        f"; decoy-consistent prototypes {summary['value']:.2f} (base rate {summary['base_rate']:.2f})"
    )
    figure.suptitle(f"{name}: MMD-critic prototypes and criticisms per class, {method} maps{decoy}", fontsize=10)
    map_colourbar(figure, axes, method)
    return figure


def _frame(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _cell(ax: Axes, image: np.ndarray, saliency: np.ndarray, decoy: np.ndarray | None, item: Mapping) -> None:
    ax.imshow(image, interpolation="nearest")
    ax.imshow(saliency, cmap=MAP_CMAP, alpha=MAP_ALPHA, vmin=0.0, vmax=1.0, interpolation="nearest")
    if decoy is not None and decoy.any():
        ax.contour(decoy.astype(float), levels=[0.5], colors=DECOY_OUTLINE, linewidths=1.0)
    mark = "✓" if item["correct"] else "✗"
    title = f"{item['label']} → {item['prediction']} {mark}"
    ax.set_title(title, fontsize=7, color=RIGHT_COLOUR if item["correct"] else WRONG_COLOUR, pad=2)
    if item["decoy"] is not None:
        colour = CONSISTENT_COLOUR if item["decoy_agrees"] else "0.3"
        ax.set_xlabel(f"decoy {item['decoy']}", fontsize=7, color=colour, labelpad=1)
