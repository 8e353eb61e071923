"""Saliency methods by name, so a config can choose one."""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor

from trustcnn.saliency.gradcam import gradcam
from trustcnn.saliency.guided_gradcam import guided_gradcam
from trustcnn.saliency.input_x_gradient import input_x_gradient
from trustcnn.saliency.occlusion import occlusion

# Each is called as method(model, layer, x, target=None, create_graph=False) -> [B, h, w].
METHODS: dict[str, Callable[..., Tensor]] = {
    "gradcam": gradcam,
    "guided_gradcam": guided_gradcam,
    "input_x_gradient": input_x_gradient,
    "occlusion": occlusion,
}
# Those a loss can be trained through (``create_graph=True``); occlusion has no gradient.
DIFFERENTIABLE: tuple[str, ...] = ("gradcam", "guided_gradcam", "input_x_gradient")


def get_method(name: str) -> Callable[..., Tensor]:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown saliency method {name!r}; choose one of: {', '.join(METHODS)}") from None
