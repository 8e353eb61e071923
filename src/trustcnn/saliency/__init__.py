"""Saliency maps in plain, batched, differentiable torch — no Kedro, no numpy round trip.

- :func:`gradcam`, :func:`gradcam_from_activations` (a training loop's one forward pass),
  :func:`capture_activations` (the hook that feeds it).
- :func:`guided_gradcam` at input resolution, built on :func:`guided_backprop`.
- :func:`input_x_gradient`, the attribution no loss trains on (evaluation's witness).
- :func:`upsample` to compare maps with object masks.
- :data:`METHODS` / :func:`get_method` to choose a method by name.
"""

from trustcnn.saliency.gradcam import gradcam, gradcam_from_activations
from trustcnn.saliency.guided_backprop import guided_backprop
from trustcnn.saliency.guided_gradcam import guided_gradcam
from trustcnn.saliency.hooks import capture_activations
from trustcnn.saliency.input_x_gradient import input_x_gradient
from trustcnn.saliency.maps import normalise_per_image, upsample
from trustcnn.saliency.registry import METHODS, get_method

__all__ = [
    "METHODS",
    "capture_activations",
    "get_method",
    "gradcam",
    "gradcam_from_activations",
    "guided_backprop",
    "guided_gradcam",
    "input_x_gradient",
    "normalise_per_image",
    "upsample",
]
