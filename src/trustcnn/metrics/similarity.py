"""Per-image similarity of two models' saliency maps: SSIM (the paper's eq. 11)."""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity

DEFAULT_WIN_SIZE = 7  # scikit-image's default SSIM window


def _check_stack(name: str, array: np.ndarray) -> None:
    if array.ndim != 3:
        raise ValueError(f"{name} must have shape [N, H, W], got {array.shape}")


def _check_same_shape(names: tuple[str, str], a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}"
            " (upsample the maps to the mask/image size first)"
        )


def ssim_win_size(height: int, width: int) -> int:
    """The SSIM window: 7 (scikit-image's default) or, for smaller maps, the largest odd
    size that fits, so e.g. a 4×4 Grad-CAM map uses a 3×3 window. Maps under 3×3 have no
    meaningful local structure and are rejected."""
    side = min(height, width, DEFAULT_WIN_SIZE)
    if side < 3:
        raise ValueError(f"SSIM needs maps of at least 3×3, got {height}×{width}")
    return side if side % 2 else side - 1


def ssim_per_image(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``[N]`` SSIM (eq. 11) between paired maps in [0, 1], ``data_range=1.0``.

    The window is :func:`ssim_win_size` of the map size; other settings are scikit-image's
    defaults (uniform window, K1=0.01, K2=0.03).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    _check_stack("a", a)
    _check_same_shape(("a", "b"), a, b)
    for name, maps in (("a", a), ("b", b)):
        if maps.size and not (maps.min() >= 0.0 and maps.max() <= 1.0):
            raise ValueError(f"{name} must lie in [0, 1] for data_range=1.0, got [{maps.min():.4g}, {maps.max():.4g}]")
    win_size = ssim_win_size(*a.shape[1:])
    return np.array(
        [structural_similarity(x, y, data_range=1.0, win_size=win_size) for x, y in zip(a, b)],
        dtype=float,
    )
