"""What a training step minimises: plain cross entropy, or the trust loss with a saliency map.

An objective gets the network to run (the whole model on images, or only its trainable
suffix on cached features), the layer the map is taken at, and a batch. It returns the
loss, the logits and every named term, so a run logs the same metric names whichever
objective trained it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trustcnn.batches.tensors import TensorSet
from trustcnn.config import LossWeights
from trustcnn.losses import needs, saliency_terms, trust_loss
from trustcnn.models import SplitNet
from trustcnn.saliency import SaliencyMethod, capture_activations, gradcam
from trustcnn.saliency.frozen_prefix import frozen_prefix_input_grads

Terms = dict[str, Tensor]


@dataclass(frozen=True)
class CrossEntropyObjective:
    """Eq. 1. The saliency terms of eq. 4–6 are computed too, detached, for monitoring."""

    needs_input = False

    def __call__(self, net: nn.Module, cam_layer: nn.Module, batch: TensorSet, train: bool) -> tuple[Tensor, Tensor, Terms]:
        with capture_activations(cam_layer) as captured:
            logits = net(batch.x)
        loss = F.cross_entropy(logits, batch.y)
        maps = gradcam.from_activations(logits, captured.activations, None, create_graph=False)
        terms = {"loss_ce": loss.detach(), **saliency_terms(maps, logits.argmax(1) == batch.y)}
        return loss, logits, terms


@dataclass(frozen=True)
class SaliencyObjective:
    """The trust loss (:func:`trustcnn.losses.trust_loss`) on ``method``'s maps for the
    predicted class; the map comes from the forward pass when the method can take it from
    the activations, else from its own :meth:`~trustcnn.saliency.SaliencyMethod.attribute`."""

    weights: LossWeights
    method: SaliencyMethod

    @property
    def needs_input_grads(self) -> bool:
        return needs(self.weights, "input_grads")

    @property
    def needs_input(self) -> bool:
        """The method or a term backpropagates to the image: no cached features."""
        return self.method.needs_input or self.needs_input_grads

    def __call__(self, net: nn.Module, cam_layer: nn.Module, batch: TensorSet, train: bool) -> tuple[Tensor, Tensor, Terms]:
        # A batch where nobody marked an image has mask terms of 0: no input gradients to take.
        input_grads_needed = self.needs_input_grads and (batch.has_mask is None or bool(batch.has_mask.any()))
        input_grads: Tensor | None
        if input_grads_needed and isinstance(net, SplitNet) and _frozen(net.prefix):
            logits, activations, input_grads = _through_frozen_prefix(net, cam_layer, batch.x, train)
        else:
            logits, activations, input_grads = self._through_everything(net, cam_layer, batch.x, train, input_grads_needed)
        predicted = logits.argmax(dim=1).detach()
        maps = self.method.from_activations(logits, activations, predicted, create_graph=train)
        if maps is None and isinstance(net, SplitNet) and _frozen(net.prefix):
            maps = self.method.attribute_after(net.prefix, net.suffix, cam_layer, batch.x, predicted, create_graph=train)
        elif maps is None:
            maps = self.method.attribute(net, cam_layer, batch.x, predicted, create_graph=train)
        loss, terms = trust_loss(logits, batch.y, maps, self.weights, batch.masks, input_grads, batch.has_mask)
        return loss, logits, {k: v.detach() for k, v in terms.items()}

    def _through_everything(
        self, net: nn.Module, cam_layer: nn.Module, x: Tensor, train: bool, input_grads_needed: bool
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        x = x.detach().requires_grad_(True) if input_grads_needed else x
        with capture_activations(cam_layer) as captured:
            logits = net(x)
        input_grads = None
        if input_grads_needed:
            log_probs = F.log_softmax(logits, dim=1).sum()
            (input_grads,) = torch.autograd.grad(log_probs, x, create_graph=train, retain_graph=True)
        return logits, captured.activations, input_grads


def _frozen(prefix: nn.Module) -> bool:
    """No parameter trains and no module updates state (BatchNorm in eval mode): the prefix
    is a fixed function, which the forward-mode backward needs."""
    return not any(p.requires_grad for p in prefix.parameters()) and not any(m.training for m in prefix.modules())


def _through_frozen_prefix(net: SplitNet, cam_layer: nn.Module, x: Tensor, train: bool) -> tuple[Tensor, Tensor, Tensor]:
    """The same logits, activations and input gradients, with no second-order graph through
    the frozen backbone (:mod:`trustcnn.saliency.frozen_prefix`)."""
    leaf = x.detach().requires_grad_(True)
    prefix_output = net.prefix(leaf)  # first-order graph only: reused for the input gradient
    features = prefix_output.detach().requires_grad_(True)
    with capture_activations(cam_layer) as captured:
        logits = net.suffix(features)
    log_probs = F.log_softmax(logits, dim=1).sum()
    (feature_grads,) = torch.autograd.grad(log_probs, features, create_graph=train, retain_graph=True)
    return logits, captured.activations, frozen_prefix_input_grads(net.prefix, x, feature_grads, (leaf, prefix_output))
