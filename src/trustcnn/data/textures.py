"""Real texture photos (bundled with scikit-image) as random, tinted backgrounds.

All three photos ship inside the scikit-image wheel (``skimage/data/*.png``), so nothing is
downloaded. Each is kept at a few scales so a crop of the same size shows coarse or fine
texture (a 32 px crop of full-resolution brick is mostly a single brick).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import skimage.data
from skimage.transform import rescale

TEXTURE_NAMES: tuple[str, ...] = ("brick", "grass", "gravel")
TEXTURE_SCALES: tuple[float, ...] = (1.0, 0.5, 0.25)
DARK_END = (0.0, 0.6)
CONTRAST = (0.2, 0.5)


@cache
def load_texture(name: str, scale: float = 1.0) -> np.ndarray:
    """The photo ``name`` as read-only float32 ``[H, W]`` in [0, 1], rescaled by ``scale``."""
    if name not in TEXTURE_NAMES:
        raise ValueError(f"name must be one of {TEXTURE_NAMES}, got {name!r}")
    gray = getattr(skimage.data, name)().astype(np.float32) / 255.0
    if scale != 1.0:
        gray = rescale(gray, scale, anti_aliasing=True, preserve_range=True).astype(np.float32)
    gray.setflags(write=False)
    return gray


def _texture_bank() -> list[np.ndarray]:
    return [load_texture(name, scale) for name in TEXTURE_NAMES for scale in TEXTURE_SCALES]


@dataclass(frozen=True)
class CropDraws:
    """The random choices of :func:`random_texture_crops`, one row per crop: which photo of
    the bank, where, which flips, and the dark and light colours its gray levels map to."""

    size: int
    which: np.ndarray
    corners: np.ndarray
    flips: np.ndarray
    dark: np.ndarray
    light: np.ndarray

    def __len__(self) -> int:
        return len(self.which)


def draw_texture_crops(n: int, size: int, rng: np.random.Generator) -> CropDraws:
    """The choices for ``n`` crops of ``size`` pixels, drawn from ``rng``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    bank = _bank(size)
    which = rng.integers(len(bank), size=n)
    corners = rng.random((n, 2))
    flips = rng.integers(2, size=(n, 3)).astype(bool)
    dark = rng.uniform(*DARK_END, size=(n, 3)).astype(np.float32)
    light = np.minimum(dark + rng.uniform(*CONTRAST, size=(n, 3)), 1.0).astype(np.float32)
    return CropDraws(size, which, corners, flips, dark, light)


def render_texture_crops(draws: CropDraws, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Crops ``start:stop`` of ``draws``, float32 RGB ``[n, size, size, 3]`` in [0, 1]: each
    crop depends on its own row alone, so any range renders what the whole would."""
    size, bank = draws.size, _bank(draws.size)
    rows = range(start, len(draws) if stop is None else stop)
    crops = np.empty((len(rows), size, size), dtype=np.float32)
    for i, row in enumerate(rows):
        texture = bank[draws.which[row]]
        u, v = draws.corners[row]
        flip_y, flip_x, transpose = draws.flips[row]
        y = int(u * (texture.shape[0] - size + 1))
        x = int(v * (texture.shape[1] - size + 1))
        crop = texture[y : y + size, x : x + size]
        crop = crop[::-1] if flip_y else crop
        crop = crop[:, ::-1] if flip_x else crop
        crops[i] = crop.T if transpose else crop
    dark, light = draws.dark[rows.start : rows.stop], draws.light[rows.start : rows.stop]
    return dark[:, None, None, :] + crops[..., None] * (light - dark)[:, None, None, :]


def random_texture_crops(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random ``size``×``size`` crops, float32 RGB ``[n, size, size, 3]`` in [0, 1].

    Each crop comes from a random photo at a random scale (among those at least ``size``
    wide) and position, is randomly flipped
    and transposed, and its gray levels are mapped linearly from a random dark colour
    (channels uniform in :data:`DARK_END`) to a lighter one (plus :data:`CONTRAST` per
    channel), so backgrounds vary in colour and brightness while their texture stays
    subdued enough for a glyph on top to read clearly.
    """
    return render_texture_crops(draw_texture_crops(n, size, rng))


def _bank(size: int) -> list[np.ndarray]:
    """The photos (at every scale) at least ``size`` wide."""
    bank = [texture for texture in _texture_bank() if min(texture.shape) >= size]
    if size < 1 or not bank:
        largest = max(min(texture.shape) for texture in _texture_bank())
        raise ValueError(f"size must lie in [1, {largest}], got {size}")
    return bank
