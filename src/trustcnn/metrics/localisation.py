"""Where maps point, measured against object masks: per-image values for the CIs.

- pointing game: the map's maximum (first one, as ``np.argmax`` picks) lies on the object;
- energy-based pointing game (relevance mass): share of the map's mass on the object,
  :func:`energy_in_mask`;
- IoU of the map thresholded at ``threshold`` (maps are max-normalised to [0, 1]) with the mask.

Both pointing scores agree with Quantus' ``PointingGame`` / ``RelevanceMassAccuracy`` on the
same inputs (tested against the real package).
"""

from __future__ import annotations

import numpy as np


def _check(maps: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    maps, masks = np.asarray(maps), np.asarray(masks, dtype=bool)
    if maps.ndim != 3 or maps.shape != masks.shape:
        raise ValueError(f"maps {maps.shape} and masks {masks.shape} must both be [N, H, W]; upsample the maps first")
    return maps, masks


def energy_in_mask(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """``[N]`` share of each map's mass inside its mask, Σ(map·mask) / Σ(map).

    The energy-based pointing game. A map with zero total mass points at nothing and scores
    0.0 (not NaN), so an empty explanation never looks accurate. An image whose mask has no
    object pixel has no answer: NaN (estimates leave it out and count it, ``n_nan``). Maps
    must already be at the mask resolution.
    """
    maps, masks = _check(np.asarray(maps, dtype=float), masks)
    if maps.size and maps.min() < 0:
        raise ValueError(f"maps must be non-negative, got minimum {maps.min():.4g}")
    total = maps.sum(axis=(1, 2))
    inside = (maps * masks).sum(axis=(1, 2))
    return _undefined_without_object(np.divide(inside, total, out=np.zeros_like(total), where=total > 0), masks)


def _undefined_without_object(values: np.ndarray, masks: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(masks).reshape(len(masks), -1).any(axis=1), values, np.nan)


def pointing_game(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """1.0 where the map's maximum falls on the object, else 0.0; NaN without an object."""
    maps, masks = _check(maps, masks)
    flat = maps.reshape(len(maps), -1)
    peak = flat.argmax(axis=1)
    return _undefined_without_object(masks.reshape(len(masks), -1)[np.arange(len(maps)), peak].astype(float), masks)


def thresholded_iou(maps: np.ndarray, masks: np.ndarray, threshold: float) -> np.ndarray:
    """IoU of ``map ≥ threshold`` with the mask, per image; NaN without an object."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
    maps, masks = _check(maps, masks)
    region = maps >= threshold
    inter = (region & masks).reshape(len(maps), -1).sum(axis=1)
    union = (region | masks).reshape(len(maps), -1).sum(axis=1)
    return _undefined_without_object(np.divide(inter, union, out=np.zeros(len(maps)), where=union > 0), masks)
