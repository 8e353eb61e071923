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

from trustcnn.data.textures import random_texture_crops

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


def contrasting_colours(
    backgrounds: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A glyph colour per image ``[N, 3]`` that contrasts with the background it covers.

    The local background is the alpha-weighted mean colour under the glyph; the glyph is
    dark (channels in :data:`DARK_GLYPH`) on a light one (luminance >= 0.5), else light.
    """
    weights = alpha[..., None]
    local = (weights * backgrounds).sum(axis=(1, 2)) / np.maximum(weights.sum(axis=(1, 2)), 1e-6)
    light_background = local @ LUMINANCE_WEIGHTS >= 0.5
    dark = rng.uniform(*DARK_GLYPH, size=local.shape)
    light = rng.uniform(*LIGHT_GLYPH, size=local.shape)
    return np.where(light_background[:, None], dark, light).astype(np.float32)


def free_windows(occupied: np.ndarray, size: int) -> np.ndarray:
    """``[N, S-size+1, S-size+1]``: True where a ``size`` square at that top-left is all free."""
    n = len(occupied)
    integral = np.zeros((n, occupied.shape[1] + 1, occupied.shape[2] + 1), dtype=np.int32)
    integral[:, 1:, 1:] = occupied.cumsum(axis=1).cumsum(axis=2)
    window = (
        integral[:, size:, size:]
        - integral[:, :-size, size:]
        - integral[:, size:, :-size]
        + integral[:, :-size, :-size]
    )
    return window == 0


def place_decoys(
    occupied: np.ndarray, present: np.ndarray, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Decoy masks ``[N, S, S]``: a ``size`` square at a random free position where ``present``."""
    n, image_size = occupied.shape[:2]
    free = free_windows(occupied, size)
    if not free.reshape(n, -1).any(axis=1).all():
        raise ValueError(f"decoy_size={size} leaves no room beside the object in some image")
    scores = np.where(free, rng.random(free.shape), -1.0).reshape(n, -1)
    ys, xs = np.divmod(scores.argmax(axis=1), free.shape[2])
    squares = np.broadcast_to(present[:, None, None], (n, size, size))
    return place(squares, ys, xs, image_size)


def _validate(
    glyphs: np.ndarray,
    labels: np.ndarray,
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
    if labels.shape != (len(glyphs),):
        raise ValueError(f"labels must have shape ({len(glyphs)},), got {labels.shape}")
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
) -> Composite:
    """Paint each glyph (float ``[N, h, w]`` in [0, 1]) onto a random texture crop.

    Each glyph is resized to ``glyph_size``, placed at a uniformly random position inside the
    ``image_size`` canvas, and alpha-blended (alpha = glyph intensity) in a colour that
    contrasts with the background under it. ``masks = alpha >= mask_threshold``. With a
    decoy mode other than ``"none"``, each image gets a decoy with probability
    ``decoy_probability`` (see the module docstring). All randomness comes from ``rng``.
    """
    labels = np.asarray(labels)
    _validate(
        glyphs, labels, num_classes, image_size, glyph_size, decoy, decoy_size,
        decoy_probability, mask_threshold,
    )
    n = len(glyphs)
    backgrounds = random_texture_crops(n, image_size, rng)
    ys, xs = rng.integers(0, image_size - glyph_size + 1, size=(2, n))
    alpha = place(resize_glyphs(glyphs, glyph_size), ys, xs, image_size)
    colours = contrasting_colours(backgrounds, alpha, rng)
    undecorated = np.round((backgrounds + alpha[..., None] * (colours[:, None, None, :] - backgrounds)) * 255).astype(np.uint8)
    decoy_masks = np.zeros(alpha.shape, dtype=bool)
    images = undecorated
    if decoy != "none":
        present = rng.random(n) < decoy_probability
        decoy_classes = labels if decoy == "correlated" else rng.integers(num_classes, size=n)
        decoy_masks = place_decoys(alpha > 0, present, decoy_size, rng)
        images = paint_decoys(undecorated, decoy_masks, palette_uint8(num_classes)[decoy_classes])
    return Composite(images=images, masks=alpha >= mask_threshold, decoy_masks=decoy_masks, undecorated=undecorated)


def paint_decoys(images: np.ndarray, decoy_masks: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """A copy of uint8 ``images [N, H, W, 3]`` with each ``decoy_masks[i]`` region filled
    with the solid uint8 colour ``colours[i]``."""
    return np.where(decoy_masks[..., None], colours[:, None, None, :], images).astype(np.uint8)
