"""The one post-processing of saliency maps shaped [B, h, w]: per-image normalisation and
resizing, used alike by the losses, the evaluation and the figures."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

EPS = 1e-8


def at_least_fp32(x: Tensor) -> Tensor:
    """``x`` in float32 when it is in a half precision (float64 stays float64)."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


def normalise_per_image(maps: Tensor) -> Tensor:
    """Divide each non-negative map by its own max + ``EPS``: values in [0, 1], max ≈ 1.
    Computed in at least float32 — in float16 ``EPS`` is 0, so an all-zero map under
    autocast would give 0/0 = NaN."""
    maps = at_least_fp32(maps)
    return maps / (maps.amax(dim=(-2, -1), keepdim=True) + EPS)


def upsample(maps: Tensor, size: tuple[int, int], mode: str = "bilinear", renormalise: bool = True) -> Tensor:
    """Resize [B, h, w] maps to ``size`` = (H, W) — unchanged when they already have it.

    ``mode`` is any 2-D mode of ``torch.nn.functional.interpolate`` (``align_corners`` left
    at its default, as Captum does). Bicubic can overshoot below zero: clamped. With
    ``renormalise`` each map is divided by its max again (interpolation can lower it);
    the eq. 8–10 mask loss compares the interpolated map with the mask as it is. Differentiable.
    """
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    resized = F.interpolate(maps[:, None], size=tuple(size), mode=mode)[:, 0].clamp(min=0)
    return normalise_per_image(resized) if renormalise else resized


def upsample_array(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """:func:`upsample` for numpy maps (evaluation, figures). Read-only (memory-mapped) maps
    are copied first: torch won't wrap memory it may not write."""
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    return upsample(torch.from_numpy(np.require(maps, requirements=["C", "W"])), size).numpy()
