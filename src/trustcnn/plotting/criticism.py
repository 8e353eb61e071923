"""A model's prototypes and criticisms: per class a row of each, maps overlaid, decoys marked.

Drawn as one mosaic image with text on it (not a grid of axes): a figure of 5 classes × 12
images takes well under a second, where 120 matplotlib axes take tens.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from trustcnn.plotting.overlays import MAP_ALPHA, MAP_CMAP, RIGHT_COLOUR, WRONG_COLOUR

TILE = 96
"""Pixels of each shown image (nearest-neighbour resized: pixels stay crisp)."""
GAP, TEXT = 6, 15  # pixels between tiles, and for each line of text above / below a tile
DECOY_OUTLINE = (255, 255, 255)
CONSISTENT_COLOUR = "magenta"
ROLES = ("prototypes", "criticisms")


def _tile(image: np.ndarray, saliency: np.ndarray, decoy: np.ndarray | None) -> np.ndarray:
    """The image under its map (the figures' colours), its decoy outlined, ``TILE`` pixels square."""
    colours = matplotlib.colormaps[MAP_CMAP](np.clip(saliency, 0.0, 1.0))[..., :3]
    blended = np.round(((1.0 - MAP_ALPHA) * image / 255.0 + MAP_ALPHA * colours) * 255).astype(np.uint8)
    tile = np.asarray(Image.fromarray(blended).resize((TILE, TILE), Image.Resampling.NEAREST)).copy()
    if decoy is not None and decoy.any():
        inside = np.asarray(Image.fromarray(decoy.astype(np.uint8) * 255).resize((TILE, TILE), Image.Resampling.NEAREST)) > 0
        edge = inside & ~(np.roll(inside, 1, 0) & np.roll(inside, -1, 0) & np.roll(inside, 1, 1) & np.roll(inside, -1, 1))
        tile[edge] = DECOY_OUTLINE
    return tile


def criticism_figure(
    report: Mapping,
    images: np.ndarray,
    decoy_masks: np.ndarray | None,
    maps: np.ndarray,
    row_of: Mapping[int, int],
    name: str,
    method: str,
) -> Figure:
    """Two rows per class of ``report`` (:func:`trustcnn.criticism.criticise`'s): its
    prototypes, then its criticisms, each over ``method``'s map (``maps[row_of[test_index]]``
    at image size, like ``images`` and ``decoy_masks``). Above each image: label → prediction
    (green right, red wrong); below: the decoy's colour class, in magenta when it is the row's
    class; the decoy is outlined in white."""
    classes = report["classes"]
    columns = max([len(c[role]) for c in classes.values() for role in ROLES] + [1])
    cell_w, cell_h = TILE + GAP, TILE + 2 * TEXT + GAP
    mosaic = np.full((2 * len(classes) * cell_h, columns * cell_w, 3), 255, dtype=np.uint8)
    texts = []
    for r, row in enumerate(classes.values()):
        for offset, role in enumerate(ROLES):
            top = (2 * r + offset) * cell_h
            for col, item in enumerate(row[role]):
                i, left = row_of[item["test_index"]], col * cell_w
                decoy = None if decoy_masks is None else decoy_masks[i]
                mosaic[top + TEXT : top + TEXT + TILE, left : left + TILE] = _tile(images[i], maps[i], decoy)
                mark = "✓" if item["correct"] else "✗"
                texts.append(
                    (
                        left,
                        top + TEXT - 2,
                        f"{item['label']} → {item['prediction']} {mark}",
                        RIGHT_COLOUR if item["correct"] else WRONG_COLOUR,
                    )
                )
                if item["decoy"] is not None:
                    colour = CONSISTENT_COLOUR if item["decoy_agrees"] else "0.3"
                    texts.append((left, top + TEXT + TILE + TEXT - 3, f"decoy {item['decoy']}", colour))
    dpi = 100
    height, width = mosaic.shape[:2]
    figure = Figure(figsize=((width + 260) / dpi, (height + 70) / dpi), dpi=dpi)
    ax = figure.add_axes((130 / (width + 260), 10 / (height + 70), width / (width + 260), height / (height + 70)))
    ax.imshow(mosaic, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([(k + 0.5) * cell_h for k in range(2 * len(classes))])
    ax.set_yticklabels([f"{label}: {role}" for label in classes for role in ROLES], fontsize=8)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for x, y, text, colour in texts:
        ax.text(x, y, text, fontsize=7, color=colour, va="bottom", ha="left")
    summary = report["summary"]["decoy_driven_prototypes"]
    decoy = (
        "" if summary["value"] is None else (f"\ndecoy-consistent prototypes {summary['value']:.2f} (base rate {summary['base_rate']:.2f})")
    )
    figure.suptitle(f"{name}: MMD-critic prototypes and criticisms per class, {method} maps{decoy}", fontsize=10)
    figure.colorbar(ScalarMappable(norm=Normalize(0.0, 1.0), cmap=MAP_CMAP), ax=ax, shrink=0.5, label=f"{method} saliency")
    return figure
