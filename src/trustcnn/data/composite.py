"""Composite grayscale glyphs onto texture photos, with exact object masks and a decoy.

A glyph (a handwritten digit, a Fashion-MNIST item, ...) is a float ``[h, w]`` map in [0, 1]
used as the *alpha* of a solid colour painted onto a random texture crop. The object mask is
derived from the very alpha used to paint: ``mask = alpha >= mask_threshold``.

The optional *decoy* is a small solid square of a class colour (:func:`class_palette`)
painted where the glyph left no paint at all (``alpha == 0``), so it never overlaps the
object mask nor covers a faint glyph edge:

- ``"correlated"``: the colour of the image's own class, a shortcut a classifier can learn
  instead of the object (the spurious correlation of a biased training set);
- ``"random"``: the colour of a uniformly random class, so it carries no information;
- ``"none"``: no decoy.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import Literal

import numpy as np
from skimage.transform import resize

from trustcnn.data.textures import draw_texture_crops, render_texture_crops
from trustcnn.runtime.errors import ParameterError
from trustcnn.runtime.ondisk import Filler, allocate

DecoyMode = Literal["correlated", "random", "none"]
DECOY_MODES: tuple[str, ...] = ("correlated", "random", "none")
MASK_THRESHOLD = 0.5
"""Default alpha at or above which a pixel belongs to the object mask."""
LUMINANCE_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
DARK_GLYPH = (0.0, 0.2)
LIGHT_GLYPH = (0.8, 1.0)


@dataclass(frozen=True)
class Composite:
    """Composited uint8 ``images [N, H, W, 3]``, bool ``masks`` and ``decoy_masks [N, H, W]``;
    ``undecorated`` are the same images before any decoy was painted (the no-decoy twins a
    reference model trains on)."""

    images: np.ndarray
    masks: np.ndarray
    decoy_masks: np.ndarray
    undecorated: np.ndarray


def class_palette(num_classes: int) -> np.ndarray:
    """``num_classes`` well-separated, saturated decoy colours, float32 ``[K, 3]`` in [0, 1].

    Hues are evenly spaced around the colour wheel; above six classes every other colour
    is darker, so neighbouring hues still differ in brightness. Channels are rounded to
    multiples of 1/255, so a painted decoy has exactly its palette colour in uint8.
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    values = [1.0 if num_classes <= 6 or k % 2 == 0 else 0.6 for k in range(num_classes)]
    colours = [colorsys.hsv_to_rgb(k / num_classes, 1.0, v) for k, v in enumerate(values)]
    return (np.round(np.array(colours) * 255) / 255).astype(np.float32)


def palette_uint8(num_classes: int) -> np.ndarray:
    """:func:`class_palette` as the exact uint8 ``[K, 3]`` colours a painted decoy has."""
    return np.round(class_palette(num_classes) * 255).astype(np.uint8)


def resize_glyphs(glyphs: np.ndarray, glyph_size: int) -> np.ndarray:
    """Glyphs resized to ``glyph_size`` squared (bilinear, anti-aliased), clipped to [0, 1]."""
    n = len(glyphs)
    if n == 0:
        return np.zeros((0, glyph_size, glyph_size), dtype=np.float32)
    resized = resize(glyphs, (n, glyph_size, glyph_size), order=1, anti_aliasing=True)
    return np.clip(resized, 0.0, 1.0).astype(np.float32)


def place(patches: np.ndarray, ys: np.ndarray, xs: np.ndarray, image_size: int) -> np.ndarray:
    """Zero canvases ``[N, S, S]`` with ``patches[i]`` at top-left ``(ys[i], xs[i])``."""
    n, h, w = patches.shape
    canvas = np.zeros((n, image_size, image_size), dtype=patches.dtype)
    rows = ys[:, None, None] + np.arange(h)[None, :, None]
    cols = xs[:, None, None] + np.arange(w)[None, None, :]
    canvas[np.arange(n)[:, None, None], rows, cols] = patches
    return canvas


def contrasting_colours(backgrounds: np.ndarray, alpha: np.ndarray, dark: np.ndarray, light: np.ndarray) -> np.ndarray:
    """A glyph colour per image ``[N, 3]`` that contrasts with the background it covers.

    The local background is the alpha-weighted mean colour under the glyph; the glyph takes
    its ``dark`` colour (channels drawn in :data:`DARK_GLYPH`) on a light one (luminance >=
    0.5), else its ``light`` colour (:data:`LIGHT_GLYPH`).
    """
    weights = alpha[..., None]
    local = (weights * backgrounds).sum(axis=(1, 2)) / np.maximum(weights.sum(axis=(1, 2)), 1e-6)
    light_background = local @ LUMINANCE_WEIGHTS >= 0.5
    return np.where(light_background[:, None], dark, light).astype(np.float32)


def free_windows(occupied: np.ndarray, size: int) -> np.ndarray:
    """``[N, S-size+1, S-size+1]``: True where a ``size`` square at that top-left is all free."""
    n = len(occupied)
    integral = np.zeros((n, occupied.shape[1] + 1, occupied.shape[2] + 1), dtype=np.int32)
    integral[:, 1:, 1:] = occupied.cumsum(axis=1).cumsum(axis=2)
    window = integral[:, size:, size:] - integral[:, :-size, size:] - integral[:, size:, :-size] + integral[:, :-size, :-size]
    return window == 0


def place_decoys(occupied: np.ndarray, present: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Decoy masks ``[N, S, S]``: a ``size`` square at a random free position where ``present``."""
    n, image_size = occupied.shape[:2]
    free = free_windows(occupied, size)
    if not free.reshape(n, -1).any(axis=1).all():
        raise ParameterError(f"data.decoy.size = {size} leaves no room beside the object in some image: choose a smaller one")
    scores = np.where(free, rng.random(free.shape), -1.0).reshape(n, -1)
    ys, xs = np.divmod(scores.argmax(axis=1), free.shape[2])
    squares = np.broadcast_to(present[:, None, None], (n, size, size))
    return place(squares, ys, xs, image_size)


def _validate(
    glyphs: np.ndarray,
    labels: np.ndarray,
    n: int,
    num_classes: int,
    image_size: int,
    glyph_size: int,
    decoy: str,
    decoy_size: int,
    decoy_probability: float,
    mask_threshold: float,
) -> None:
    if glyphs.ndim != 3:
        raise ValueError(f"glyphs must be [N, h, w], got shape {glyphs.shape}")
    if glyphs.size and (glyphs.min() < 0 or glyphs.max() > 1):
        raise ValueError("glyphs must lie in [0, 1]")
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, num_classes={num_classes})")
    if not 1 <= glyph_size <= image_size:
        raise ValueError(f"glyph_size must lie in [1, image_size={image_size}], got {glyph_size}")
    if decoy not in DECOY_MODES:
        raise ValueError(f"decoy must be one of {DECOY_MODES}, got {decoy!r}")
    if not 0 < mask_threshold <= 1:
        raise ValueError(f"mask_threshold must lie in (0, 1], got {mask_threshold}")
    if decoy == "none":
        return
    if not 0 <= decoy_probability <= 1:
        raise ValueError(f"decoy_probability must lie in [0, 1], got {decoy_probability}")
    # The glyph's margins on each axis sum to image_size - glyph_size, so the larger one is
    # at least half of that: this bound guarantees room for the decoy in every image.
    if decoy_size < 1 or image_size - glyph_size < 2 * decoy_size - 1:
        raise ValueError(
            f"decoy_size must lie in [1, {(image_size - glyph_size + 1) // 2}] for "
            f"image_size={image_size} and glyph_size={glyph_size}, got {decoy_size}"
        )


CHUNK_PIXELS = 2**22
"""Pixels composited at a time (4,096 images at 32², 83 at 224²): the working memory of
:func:`composite_glyphs` is bounded by this, whatever the number of images."""


def composite_glyphs(
    glyphs: np.ndarray,
    labels: np.ndarray,
    *,
    num_classes: int,
    rng: np.random.Generator,
    image_size: int = 32,
    glyph_size: int = 20,
    decoy: DecoyMode = "none",
    decoy_size: int = 5,
    decoy_probability: float = 1.0,
    mask_threshold: float = MASK_THRESHOLD,
    rows: np.ndarray | None = None,
    memory_budget_mb: float = float("inf"),
    chunk: int | None = None,
) -> Composite:
    """Paint each glyph (float ``[N, h, w]`` in [0, 1]) onto a random texture crop.

    Each glyph is resized to ``glyph_size``, placed at a uniformly random position inside the
    ``image_size`` canvas, and alpha-blended (alpha = glyph intensity) in a colour that
    contrasts with the background under it. ``masks = alpha >= mask_threshold``. With a
    decoy mode other than ``"none"``, each image gets a decoy with probability
    ``decoy_probability`` (see the module docstring). All randomness comes from ``rng``.
    ``rows`` (an index into ``glyphs``, with ``labels`` per row) composites those glyphs
    instead of all, in that order.

    The images are painted ``chunk`` at a time (default: :data:`CHUNK_PIXELS` pixels' worth)
    into arrays that are memory-mapped temporary files when they exceed ``memory_budget_mb``
    (:func:`trustcnn.runtime.ondisk.allocate`). Every per-image choice is drawn for all images first,
    in the order a one-shot compositor draws them, and the one large draw (the decoys'
    positions) comes last and is consumed chunk after chunk, so the result is the same
    bytes for every ``chunk``.
    """
    labels = np.asarray(labels)
    rows = np.arange(len(glyphs)) if rows is None else np.asarray(rows)
    _validate(
        glyphs,
        labels,
        len(rows),
        num_classes,
        image_size,
        glyph_size,
        decoy,
        decoy_size,
        decoy_probability,
        mask_threshold,
    )
    n = len(rows)
    crops = draw_texture_crops(n, image_size, rng)
    ys, xs = rng.integers(0, image_size - glyph_size + 1, size=(2, n))
    dark = rng.uniform(*DARK_GLYPH, size=(n, 3))
    light = rng.uniform(*LIGHT_GLYPH, size=(n, 3))
    if decoy != "none":
        present = rng.random(n) < decoy_probability
        colours = palette_uint8(num_classes)[labels if decoy == "correlated" else rng.integers(num_classes, size=n)]
    shape = (n, image_size, image_size)
    undecorated = Filler(allocate((*shape, 3), np.uint8, memory_budget_mb))
    masks, decoy_masks = (Filler(allocate(shape, bool, memory_budget_mb)) for _ in range(2))
    images = undecorated if decoy == "none" else Filler(allocate((*shape, 3), np.uint8, memory_budget_mb))
    chunk = chunk or max(1, CHUNK_PIXELS // image_size**2)
    for start in range(0, n, chunk):
        part = slice(start, min(start + chunk, n))
        backgrounds = render_texture_crops(crops, part.start, part.stop)
        alpha = place(resize_glyphs(glyphs[rows[part]], glyph_size), ys[part], xs[part], image_size)
        tint = contrasting_colours(backgrounds, alpha, dark[part], light[part])[:, None, None, :]
        plain = np.round((backgrounds + alpha[..., None] * (tint - backgrounds)) * 255).astype(np.uint8)
        undecorated.add(plain)
        masks.add(alpha >= mask_threshold)
        if decoy == "none":
            decoy_masks.add(np.zeros(alpha.shape, dtype=bool))
            continue
        painted = place_decoys(alpha > 0, present[part], decoy_size, rng)
        decoy_masks.add(painted)
        images.add(paint_decoys(plain, painted, colours[part]))
    done = {filler: filler.done() for filler in {undecorated, masks, decoy_masks, images}}
    return Composite(images=done[images], masks=done[masks], decoy_masks=done[decoy_masks], undecorated=done[undecorated])


def paint_decoys(images: np.ndarray, decoy_masks: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """A copy of uint8 ``images [N, H, W, 3]`` with each ``decoy_masks[i]`` region filled
    with the solid uint8 colour ``colours[i]``."""
    return np.where(decoy_masks[..., None], colours[:, None, None, :], images).astype(np.uint8)
