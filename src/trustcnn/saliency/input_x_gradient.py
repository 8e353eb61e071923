"""Input × gradient (Shrikumar et al., 2016): an attribution no trustcnn loss trains on.

The trust losses shape Grad-CAM (and Guided Grad-CAM) maps, so those maps can look right
while the model still uses a shortcut; input × gradient is computed from the whole network's
gradient at the input, independently of the layer the losses act on, which makes it the
evaluation's untrained witness of where the model looks (e.g. the decoy's share of it).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trustcnn.saliency.base import SaliencyMethod
from trustcnn.saliency.postprocess import normalise_per_image
from trustcnn.saliency.targets import Target, resolve_target


class InputXGradient(SaliencyMethod):
    """``normalise(Σ_c |x_c · ∂z_t/∂x_c|)`` [B, H, W] in [0, 1] for inputs ``x`` [B, C, H, W].

    Per channel, ``x · ∂z_t/∂x`` equals Captum's ``InputXGradient``; the map sums its
    absolute value over channels, like Guided Grad-CAM. ``layer`` is unused.
    """

    name = "input_x_gradient"

    def attribute(self, model: nn.Module, layer: nn.Module | None, x: Tensor, target: Target = None, create_graph: bool = False) -> Tensor:
        inputs = x.detach().requires_grad_()
        with torch.enable_grad():
            logits = model(inputs)
            target = resolve_target(logits, target)
            score = logits.gather(1, target[:, None]).sum()
            (gradient,) = torch.autograd.grad(score, inputs, create_graph=create_graph)
        return normalise_per_image((inputs.detach() * gradient).abs().sum(dim=1))


input_x_gradient = InputXGradient()
