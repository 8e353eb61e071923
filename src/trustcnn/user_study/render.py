"""The images participants see: the input and each model's map over it, as PNG bytes."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
from PIL import Image

from trustcnn.plotting.overlays import MAP_ALPHA, MAP_CMAP


def png(image: np.ndarray, size: int) -> bytes:
    """uint8 ``[H, W, 3]`` enlarged to ``size``² (nearest: pixels stay crisp), as PNG."""
    buffer = io.BytesIO()
    Image.fromarray(image).resize((size, size), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def overlay(image: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    """A map in [0, 1] at the image's size over the uint8 image, in the figures' colours."""
    colours = matplotlib.colormaps[MAP_CMAP](np.clip(saliency, 0.0, 1.0))[..., :3]
    blended = (1.0 - MAP_ALPHA) * image.astype(np.float64) / 255.0 + MAP_ALPHA * colours
    return np.round(blended * 255).astype(np.uint8)
