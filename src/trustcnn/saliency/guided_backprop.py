"""Guided backpropagation (Springenberg et al., 2015), differentiable twice.

Through every guided activation the backward pass keeps only positive gradients, and only
where the forward input was in the activation's linear range. The rule is a custom
autograd function whose backward is made of ordinary torch ops, so a loss on the guided
map can itself be backpropagated to the parameters (``create_graph=True``).

Which activations are guided: ``nn.ReLU`` modules (subclasses included), exactly the set
Captum's ``GuidedBackprop`` overrides. ``nn.ReLU6`` (mobilenet_v2) is left ordinary by
default so results match Captum; ``guide_relu6=True`` guides it too (positive gradients
where 0 < x < 6). Functional ``F.relu`` calls are never guided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from trustcnn.saliency.targets import Target, resolve_target


class _GuidedClamp(torch.autograd.Function):
    """Forward: ``x.clamp(0, upper)``. Backward: ``relu(grad) · 1[0 < x < upper]``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: Tensor, upper: float | None) -> Tensor:
        ctx.save_for_backward(x)
        ctx.upper = upper
        return x.clamp(min=0, max=upper)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        linear = x > 0 if ctx.upper is None else (x > 0) & (x < ctx.upper)
        return grad.clamp(min=0) * linear, None


def _guided_forward(upper: float | None) -> Callable[[Tensor], Tensor]:
    def forward(x: Tensor) -> Tensor:
        return _GuidedClamp.apply(x, upper)

    return forward


_MISSING = object()


@contextmanager
def guided_activations(model: nn.Module, guide_relu6: bool = False) -> Iterator[None]:
    """Temporarily replace the ``forward`` of ``model``'s ReLU modules by the guided rule.

    The same module objects stay in place (the instance attribute ``forward`` shadows the
    class method and is deleted afterwards, also when the block raises). The guided
    forward is out of place, so ``inplace=True`` doesn't disturb double backprop.
    """
    swapped: list[tuple[nn.Module, object]] = []
    try:
        for module in model.modules():
            if isinstance(module, nn.ReLU):
                upper = None
            elif guide_relu6 and isinstance(module, nn.ReLU6):
                upper = 6.0
            else:
                continue
            swapped.append((module, module.__dict__.get("forward", _MISSING)))
            module.forward = _guided_forward(upper)
        yield
    finally:
        for module, previous in reversed(swapped):
            if previous is _MISSING:
                del module.forward
            else:
                module.forward = previous


def guided_backprop(
    model: nn.Module, x: Tensor, target: Target = None, create_graph: bool = False, *, guide_relu6: bool = False
) -> Tensor:
    """Guided-backprop gradient of each image's target logit w.r.t. ``x``, shape of ``x``.

    Signed, per channel, not normalised (Captum's ``GuidedBackprop`` convention).
    Detached unless ``create_graph``.
    """
    inputs = x if x.requires_grad else x.detach().requires_grad_()
    with torch.enable_grad(), guided_activations(model, guide_relu6):
        logits = model(inputs)
        target = resolve_target(logits, target)
        score = logits.gather(1, target[:, None]).sum()
        (gradient,) = torch.autograd.grad(score, inputs, create_graph=create_graph)
    return gradient
