"""Post-processing of saliency maps shaped [B, h, w]: per-image normalisation and resizing."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

EPS = 1e-8


def normalise_per_image(maps: Tensor) -> Tensor:
    """Divide each non-negative map by its own max + ``EPS``: values in [0, 1], max ≈ 1."""
    return maps / (maps.amax(dim=(-2, -1), keepdim=True) + EPS)


def upsample(maps: Tensor, size: tuple[int, int], mode: str = "bilinear") -> Tensor:
    """Resize [B, h, w] maps to ``size`` = (H, W) and renormalise each to [0, 1].

    ``mode`` is any 2-D mode of ``torch.nn.functional.interpolate`` (``align_corners`` left
    at its default, as Captum does). Bicubic can overshoot below zero: clamped before
    renormalising. Differentiable.
    """
    resized = F.interpolate(maps[:, None], size=tuple(size), mode=mode)[:, 0]
    return normalise_per_image(resized.clamp(min=0))
