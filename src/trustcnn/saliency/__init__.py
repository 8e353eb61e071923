"""Saliency maps in plain, batched, differentiable torch — no Kedro, no numpy round trip.

Every method is a :class:`SaliencyMethod` registered by name (:mod:`.registry`) and called
as ``method(model, layer, x, target=None, create_graph=False)`` → ``[B, h, w]`` in [0, 1]:
:data:`gradcam`, :data:`guided_gradcam`, :data:`input_x_gradient`, :data:`occlusion`.
:func:`capture_activations` hooks a layer for a training loop's one forward pass
(``gradcam.from_activations``); :func:`upsample` is the one resize of a map.
"""

from trustcnn.saliency.activations import capture_activations
from trustcnn.saliency.base import ClassActivationMap, SaliencyMethod
from trustcnn.saliency.gradcam import GradCam, gradcam
from trustcnn.saliency.guided_backprop import guided_backprop
from trustcnn.saliency.guided_gradcam import GuidedGradCam, guided_gradcam
from trustcnn.saliency.input_x_gradient import InputXGradient, input_x_gradient
from trustcnn.saliency.occlusion import Occlusion, occlusion
from trustcnn.saliency.postprocess import normalise_per_image, upsample, upsample_array
from trustcnn.saliency.registry import METHODS, get_method, register, trainable_method

__all__ = [
    "METHODS",
    "ClassActivationMap",
    "GradCam",
    "GuidedGradCam",
    "InputXGradient",
    "Occlusion",
    "SaliencyMethod",
    "capture_activations",
    "get_method",
    "gradcam",
    "guided_backprop",
    "guided_gradcam",
    "input_x_gradient",
    "normalise_per_image",
    "occlusion",
    "register",
    "trainable_method",
    "upsample",
    "upsample_array",
]
