"""The best and worst test images of each of the paper's four cases, for one model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from trustcnn.data import ImageSet
from trustcnn.metrics import CASES, case_examples
from trustcnn.plotting.note import note_figure
from trustcnn.plotting.overlays import MAP_ALPHA, MAP_CMAP, RIGHT_COLOUR, WRONG_COLOUR, map_colourbar, show_image
from trustcnn.saliency import upsample_array


def model_case_figure(
    test: ImageSet,
    maps: np.ndarray,
    predictions: np.ndarray,
    correct: np.ndarray,
    energy: np.ndarray | None,
    accurate_energy: float,
    k: int,
    name: str,
    method: str = "saliency",
) -> Figure:
    """Model ``name``'s ``k`` best and worst test images per case, from the per-image
    ``correct`` and ``energy`` (energy in mask) the evaluation scored; a note without masks."""
    if test.masks is None or energy is None:
        return note_figure(f"{name}: the data has no object masks, so no cases")
    examples = case_examples(correct, energy, accurate_energy, k)
    shown = sorted({i for picked in examples.values() for i in (*picked["best"], *picked["worst"])})
    upsampled = dict(zip(shown, upsample_array(np.asarray(maps[shown]), test.images.shape[1:3]))) if shown else {}
    return case_examples_figure(
        test.images,
        test.masks,
        upsampled,
        test.labels,
        predictions,
        energy,
        examples,
        test.class_names,
        f"{name}, {method} maps: best and worst test images per case (energy in mask ≥ {accurate_energy:g} = accurate)",
        method,
    )


def case_examples_figure(
    images: np.ndarray,
    masks: np.ndarray,
    maps: np.ndarray | Mapping[int, np.ndarray],
    labels: np.ndarray,
    predictions: np.ndarray,
    energy: np.ndarray,
    examples: Mapping[str, Mapping[str, Sequence[int]]],
    class_names: Sequence[str],
    title: str,
    method: str = "saliency",
) -> Figure:
    """One row per case; its best examples, then its worst (as
    :func:`trustcnn.metrics.case_examples` picks them): the image with the mask outline
    and the map (at image size; ``maps[i]`` for every image shown) overlaid, titled true →
    predicted and the energy in mask. A case no test image falls in says so; a colour bar
    gives the maps' scale."""
    k = max((len(e["best"]) + len(e["worst"]) for e in examples.values()), default=1) or 1
    figure = Figure(figsize=(1.9 * k + 1.4, 2.1 * len(CASES)), layout="constrained")
    axes = figure.subplots(len(CASES), k, squeeze=False)
    for row, case in enumerate(CASES):
        picked = [("best", i) for i in examples[case]["best"]] + [("worst", i) for i in examples[case]["worst"]]
        axes[row, 0].set_ylabel(case.replace("_", "\n"), fontsize=9)
        for col in range(k):
            ax = axes[row, col]
            if col >= len(picked):
                _blank(ax, "no images in this case" if col == 0 else None)
                continue
            which, i = picked[col]
            show_image(ax, images[i], masks[i])
            _blank(ax)  # axes back on (show_image hides them) so the row keeps its case label
            ax.imshow(maps[i], cmap=MAP_CMAP, alpha=MAP_ALPHA, vmin=0, vmax=1)
            right = predictions[i] == labels[i]
            ax.set_title(
                f"{which}: {class_names[labels[i]]} → {class_names[predictions[i]]}\nenergy {energy[i]:.2f}",
                fontsize=8,
                color=RIGHT_COLOUR if right else WRONG_COLOUR,
            )
    figure.suptitle(title)
    map_colourbar(figure, axes, method)
    return figure


def _blank(ax, text: str | None = "") -> None:
    """Ticks off, the frame on (the case label stays); ``None``: nothing at all (an unused cell)."""
    if text is None:
        ax.set_axis_off()
        return
    ax.set_axis_on()
    ax.set_xticks([])
    ax.set_yticks([])
    if text:
        ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=8, color="0.4", transform=ax.transAxes)
