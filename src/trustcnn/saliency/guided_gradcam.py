"""Guided Grad-CAM: guided backprop ⊙ upsampled Grad-CAM, at input resolution."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trustcnn.saliency.activations import capture_activations
from trustcnn.saliency.base import SaliencyMethod
from trustcnn.saliency.gradcam import gradcam
from trustcnn.saliency.guided_backprop import guided_backprop, guided_backprop_after, guided_prefix_pass
from trustcnn.saliency.postprocess import normalise_per_image, upsample
from trustcnn.saliency.targets import Target, resolve_target


class GuidedGradCam(SaliencyMethod):
    """``normalise(Σ_c |guided_backprop| ⊙ upsample(gradcam))``, per image, ``[B, H, W]``.

    Two forward passes: Grad-CAM needs ordinary gradients through the layers after
    ``layer``, the guided map needs guided ones (see :mod:`trustcnn.saliency.guided_backprop`
    for which activations are guided, and ``guide_relu6``). Both explain the same class:
    ``target``, or the class predicted by the first pass. In train mode, dropout draws
    differently in the two passes. ``interpolate_mode`` upsamples the Grad-CAM map. The model
    comes back unchanged.
    """

    name = "guided_gradcam"

    def __init__(self, interpolate_mode: str = "bilinear", guide_relu6: bool = False) -> None:
        self.interpolate_mode = interpolate_mode
        self.guide_relu6 = guide_relu6

    def attribute(self, model: nn.Module, layer: nn.Module | None, x: Tensor, target: Target = None, create_graph: bool = False) -> Tensor:
        if layer is None:
            raise ValueError(f"{self.name} needs the layer to take the class activation map at")
        with torch.enable_grad(), capture_activations(layer) as captured:
            logits = model(x)
            target = resolve_target(logits, target)
            cam = gradcam.from_activations(logits, captured.activations, target, create_graph)
        guided = guided_backprop(model, x, target, create_graph, guide_relu6=self.guide_relu6)
        return self._combine(guided, cam, x)

    def attribute_after(
        self,
        prefix: nn.Module,
        model: nn.Module,
        layer: nn.Module | None,
        x: Tensor,
        target: Target = None,
        create_graph: bool = False,
    ) -> Tensor:
        """One guided prefix pass serves both maps: its output is the ordinary features
        Grad-CAM's pass starts from, and its graph the guided gradient's first-order VJP."""
        if layer is None:
            raise ValueError(f"{self.name} needs the layer to take the class activation map at")
        prefix_pass = guided_prefix_pass(prefix, x, self.guide_relu6)
        with torch.enable_grad(), capture_activations(layer) as captured:
            logits = model(prefix_pass.output.detach())
            target = resolve_target(logits, target)
            cam = gradcam.from_activations(logits, captured.activations, target, create_graph)
        guided = guided_backprop_after(prefix, model, x, target, create_graph, guide_relu6=self.guide_relu6, prefix_pass=prefix_pass)
        return self._combine(guided, cam, x)

    def _combine(self, guided: Tensor, cam: Tensor, x: Tensor) -> Tensor:
        return normalise_per_image(guided.abs().sum(dim=1) * upsample(cam, (x.shape[-2], x.shape[-1]), self.interpolate_mode))


guided_gradcam = GuidedGradCam()
