"""What every saliency method is: one calling convention, one registry entry.

A method is a :class:`SaliencyMethod`: ``attribute(model, layer, x, target=None,
create_graph=False)`` returns one map per image, ``[B, h, w]`` in [0, 1] (Captum's convention:
batch-first tensors, the target class per image or the predicted one). Two flags tell the
training loop how it may use it: ``needs_input`` (it backpropagates to or perturbs the
input, so the frozen backbone can't be replaced by cached features) and ``differentiable``
(a loss can train through it with ``create_graph=True``). A method that needs nothing but
the trainable layer's activations can also offer :meth:`SaliencyMethod.from_activations`,
the training loop's fast path: the map from the forward pass it already ran.

:class:`ClassActivationMap` is the template shared by gradient-weighted class activation
maps — the hook, ``∂z_c/∂A``, the weighted channel sum, the ReLU and the per-image
normalisation; a subclass only says how to weigh the channels (like pytorch-grad-cam's
``get_cam_weights``), but unlike pytorch-grad-cam everything stays in torch, batched, and
differentiable w.r.t. the parameters on request (double backprop).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
from torch import Tensor, nn

from trustcnn.saliency.activations import capture_activations
from trustcnn.saliency.postprocess import normalise_per_image
from trustcnn.saliency.targets import Target, resolve_target


class SaliencyMethod(ABC):
    """One saliency method; see the module docstring for the convention."""

    name: ClassVar[str]
    needs_input: ClassVar[bool] = True
    differentiable: ClassVar[bool] = True

    @abstractmethod
    def attribute(self, model: nn.Module, layer: nn.Module | None, x: Tensor, target: Target = None, create_graph: bool = False) -> Tensor:
        """Maps ``[B, h, w]`` in [0, 1] for inputs ``x`` (detached unless ``create_graph``)."""

    def from_activations(self, logits: Tensor, activations: Tensor, target: Target, create_graph: bool) -> Tensor | None:
        """The map from a forward pass the caller ran with ``layer`` hooked, or ``None`` when
        the method needs more than the activations (then call :meth:`attribute`)."""
        return None

    def attribute_after(
        self,
        prefix: nn.Module,
        model: nn.Module,
        layer: nn.Module | None,
        x: Tensor,
        target: Target = None,
        create_graph: bool = False,
    ) -> Tensor:
        """The maps of ``model(prefix(x))`` for a ``prefix`` that is a fixed function (frozen
        weights, eval mode), as :meth:`attribute` gives them. A method that backpropagates to
        the input overrides this to skip second-order graphs through ``prefix``
        (:mod:`trustcnn.saliency.frozen_prefix`); the default runs the composition."""
        return self.attribute(nn.Sequential(prefix, model), layer, x, target, create_graph)

    def __call__(self, model: nn.Module, layer: nn.Module | None, x: Tensor, target: Target = None, create_graph: bool = False) -> Tensor:
        return self.attribute(model, layer, x, target, create_graph)


class ClassActivationMap(SaliencyMethod):
    """``normalise(ReLU(Σ_k w_k A_k))`` at ``layer``; subclasses implement :meth:`weigh`."""

    needs_input: ClassVar[bool] = False

    @abstractmethod
    def weigh(self, activations: Tensor, gradients: Tensor) -> Tensor:
        """Channel weights ``[B, C]`` from activations A and ``∂z_c/∂A``, both ``[B, C, h, w]``."""

    def from_activations(self, logits: Tensor, activations: Tensor, target: Target, create_graph: bool) -> Tensor:
        """The map for activations A ``[B, C, h, w]`` that the forward pass producing
        ``logits`` captured.

        The graph is retained, so the caller can still backpropagate a loss on the same logits
        (cross entropy and the map from one forward pass). With ``create_graph`` the map is
        differentiable w.r.t. everything A and ``∂z_c/∂A`` depend on; without it the map is
        detached. One gradient call serves the whole batch: the score is the sum of each
        image's target logit, exact as long as images don't interact (true in eval mode;
        BatchNorm in train mode couples them, as in every Grad-CAM library).
        """
        if activations.ndim != 4:
            raise ValueError(f"activations must be [B, C, h, w], got shape {tuple(activations.shape)}")
        target = resolve_target(logits, target)
        score = logits.gather(1, target[:, None]).sum()
        (gradients,) = torch.autograd.grad(score, activations, retain_graph=True, create_graph=create_graph)
        if not create_graph:
            activations = activations.detach()
        weights = self.weigh(activations, gradients)
        return normalise_per_image(torch.relu(torch.einsum("bc,bchw->bhw", weights, activations)))

    def attribute(self, model: nn.Module, layer: nn.Module | None, x: Tensor, target: Target = None, create_graph: bool = False) -> Tensor:
        """Run ``model`` on ``x`` with ``layer`` hooked and return its class activation map.

        Gradients are switched on locally, so this also works under ``torch.no_grad()``. The
        model's mode is left alone: call it in eval mode for post-hoc maps. Leaves no hooks
        and no ``.grad`` behind.
        """
        if layer is None:
            raise ValueError(f"{self.name} needs the layer to take the class activation map at")
        with torch.enable_grad(), capture_activations(layer) as captured:
            logits = model(x)
            return self.from_activations(logits, captured.activations, target, create_graph)
