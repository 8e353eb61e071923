"""Saliency methods by name: the one place a method is registered, and the one list that
configuration validation, training and evaluation ask."""

from __future__ import annotations

from trustcnn.saliency.base import SaliencyMethod
from trustcnn.saliency.gradcam import gradcam
from trustcnn.saliency.guided_gradcam import guided_gradcam
from trustcnn.saliency.input_x_gradient import input_x_gradient
from trustcnn.saliency.occlusion import occlusion

METHODS: dict[str, SaliencyMethod] = {}


def register(method: SaliencyMethod) -> SaliencyMethod:
    """Make ``method`` available by ``method.name`` (to parameters, training and evaluation)."""
    METHODS[method.name] = method
    return method


def get_method(name: str) -> SaliencyMethod:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown saliency method {name!r}; choose one of: {', '.join(METHODS)}") from None


def trainable_method(name: str) -> SaliencyMethod:
    """The method ``name``, if a loss can train through it."""
    method = get_method(name)
    if not method.differentiable:
        trainable = ", ".join(m.name for m in METHODS.values() if m.differentiable)
        raise ValueError(f"saliency method {name!r} has no gradient to train through; choose one of: {trainable}")
    return method


for _method in (gradcam, guided_gradcam, input_x_gradient, occlusion):
    register(_method)
