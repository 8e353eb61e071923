"""Saliency methods by name, so a config can choose one."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from trustcnn.saliency.gradcam import gradcam
from trustcnn.saliency.guided_gradcam import guided_gradcam

# Each is called as method(model, layer, x, target=None, create_graph=False) -> [B, h, w].
METHODS: dict[str, Callable[..., Tensor]] = {"gradcam": gradcam, "guided_gradcam": guided_gradcam}


def get_method(name: str) -> Callable[..., Tensor]:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown saliency method {name!r}; choose one of: {', '.join(METHODS)}") from None
