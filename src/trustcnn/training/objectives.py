"""What a training step minimises: plain cross entropy, or eq. 7 with a saliency map.

An objective gets the network to run (the whole model on images, or only its trainable
suffix on cached features), the layer Grad-CAM is taken at, and a batch. It returns the
loss, the logits and every named term, so a run logs the same metric names whichever
objective trained it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trustcnn.losses import TrustWeights, saliency_terms, trust_loss
from trustcnn.saliency import capture_activations, gradcam_from_activations, guided_gradcam
from trustcnn.training.tensors import TensorSet

Terms = dict[str, Tensor]


@dataclass(frozen=True)
class CrossEntropyObjective:
    """Eq. 1. The saliency terms of eq. 4–6 are computed too, detached, for monitoring."""

    def __call__(self, net: nn.Module, cam_layer: nn.Module, batch: TensorSet, train: bool) -> tuple[Tensor, Tensor, Terms]:
        with capture_activations(cam_layer) as captured:
            logits = net(batch.x)
        loss = F.cross_entropy(logits, batch.y)
        maps = gradcam_from_activations(logits, captured.activations, create_graph=False)
        terms = {"loss_ce": loss.detach(), **saliency_terms(maps, logits.argmax(1) == batch.y)}
        return loss, logits, terms


@dataclass(frozen=True)
class SaliencyObjective:
    """Eq. 7 (and eq. 8–10 when ``weights.w_mask > 0``) on maps for the predicted class."""

    weights: TrustWeights
    method: str = "gradcam"

    @property
    def needs_input(self) -> bool:
        """Guided Grad-CAM and RRR backpropagate to the image: no cached features."""
        return self.method == "guided_gradcam" or self.weights.w_rrr > 0

    def __call__(self, net: nn.Module, cam_layer: nn.Module, batch: TensorSet, train: bool) -> tuple[Tensor, Tensor, Terms]:
        x = batch.x.detach().requires_grad_(True) if self.weights.w_rrr > 0 else batch.x
        with capture_activations(cam_layer) as captured:
            logits = net(x)
        input_grads = None
        if self.weights.w_rrr > 0:
            log_probs = F.log_softmax(logits, dim=1).sum()
            (input_grads,) = torch.autograd.grad(log_probs, x, create_graph=train, retain_graph=True)
        predicted = logits.argmax(dim=1).detach()
        if self.method == "gradcam":
            maps = gradcam_from_activations(logits, captured.activations, predicted, create_graph=train)
        elif self.method == "guided_gradcam":
            maps = guided_gradcam(net, cam_layer, batch.x, predicted, create_graph=train)
        else:
            raise ValueError(f"unknown saliency method {self.method!r}; choose gradcam or guided_gradcam")
        loss, terms = trust_loss(logits, batch.y, maps, self.weights, batch.masks, input_grads)
        return loss, logits, {k: v.detach() for k, v in terms.items()}

