"""Saliency maps of several models side by side over the same images."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from trustcnn.saliency import upsample_array

MASK_COLOUR = "cyan"
RIGHT_COLOUR = "tab:green"
WRONG_COLOUR = "tab:red"
MAP_CMAP = "jet"
MAP_ALPHA = 0.45


def map_colourbar(fig: Figure, axes: np.ndarray, method: str) -> None:
    """One colour bar for every map of ``fig`` (they share the fixed [0, 1] scale)."""
    scale = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=MAP_CMAP)
    fig.colorbar(scale, ax=axes.ravel().tolist(), shrink=0.6, label=f"{method} saliency (max-normalised)")


def _check_inputs(
    images: np.ndarray,
    maps: Mapping[str, np.ndarray],
    labels: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    masks: np.ndarray | None,
) -> None:
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must have shape [N, H, W, 3], got {images.shape}")
    n = len(images)
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} images")
    if set(maps) != set(predictions):
        raise ValueError(f"maps and predictions must name the same models, got {sorted(maps)} and {sorted(predictions)}")
    for name in maps:
        if maps[name].ndim != 3 or len(maps[name]) != n:
            raise ValueError(f"maps[{name!r}] must have shape [{n}, h, w], got {maps[name].shape}")
        if len(predictions[name]) != n:
            raise ValueError(f"predictions[{name!r}] has {len(predictions[name])} entries for {n}")
    if masks is not None and masks.shape != images.shape[:3]:
        raise ValueError(f"masks must have shape {images.shape[:3]}, got {masks.shape}")


def show_image(ax: Axes, image: np.ndarray, mask: np.ndarray | None) -> None:
    ax.imshow(image, interpolation="nearest")
    if mask is not None and mask.any() and not mask.all():
        ax.contour(mask.astype(float), levels=[0.5], colors=MASK_COLOUR, linewidths=0.8)
    ax.set_axis_off()


def overlay_grid(
    images: np.ndarray,
    maps: Mapping[str, np.ndarray],
    labels: np.ndarray,
    predictions: Mapping[str, np.ndarray],
    class_names: Sequence[str],
    masks: np.ndarray | None = None,
    n: int = 8,
    method: str = "saliency",
) -> Figure:
    """One row per image (the first ``n``): the image, then one map overlay per model, under
    a title naming the ``method`` that made the maps and a colour bar of its scale.

    The first column shows the true class (and the mask outline, if masks are given). Each
    model column is titled with the model's prediction, ✓ in green when right and ✗ in red
    when wrong. Maps are upsampled to the image (:func:`trustcnn.saliency.upsample`, as
    everywhere) and drawn on a fixed [0, 1] colour scale so models compare directly.
    """
    images, labels = np.asarray(images), np.asarray(labels)
    maps = {name: np.asarray(m, dtype=float) for name, m in maps.items()}
    predictions = {name: np.asarray(p) for name, p in predictions.items()}
    masks = None if masks is None else np.asarray(masks, dtype=bool)
    _check_inputs(images, maps, labels, predictions, masks)
    if n < 1 or len(images) == 0:
        raise ValueError(f"need n >= 1 and at least one image, got n={n}, {len(images)} images")

    rows, cols = min(n, len(images)), 1 + len(maps)
    maps = {name: upsample_array(m[:rows], images.shape[1:3]) for name, m in maps.items()}
    fig = Figure(figsize=(1.9 * cols, 2.0 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for i in range(rows):
        show_image(axes[i, 0], images[i], None if masks is None else masks[i])
        axes[i, 0].set_title(f"true: {class_names[labels[i]]}", fontsize=9)
        for ax, name in zip(axes[i, 1:], maps):
            show_image(ax, images[i], None)
            ax.imshow(maps[name][i], cmap=MAP_CMAP, alpha=MAP_ALPHA, vmin=0.0, vmax=1.0, interpolation="nearest")
            right = predictions[name][i] == labels[i]
            ax.set_title(
                f"{name}\n{class_names[predictions[name][i]]} {'✓' if right else '✗'}",
                fontsize=9,
                color=RIGHT_COLOUR if right else WRONG_COLOUR,
            )
    outline = ", object mask outlined" if masks is not None else ""
    fig.suptitle(f"{method} maps of {', '.join(maps)} on the first {rows} test images{outline}", fontsize=10)
    map_colourbar(fig, axes[:, 1:], method)
    return fig
