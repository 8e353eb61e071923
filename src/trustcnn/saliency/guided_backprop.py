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
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any, NamedTuple, cast

import torch
from torch import Tensor, nn

from trustcnn.saliency.frozen_prefix import frozen_prefix_input_grads
from trustcnn.saliency.targets import Target, resolve_target


class _GuidedClamp(torch.autograd.Function):
    """Forward: ``x.clamp(0, upper)``. Backward: ``relu(grad) · 1[0 < x < upper]``; with a
    ``record`` list, that mask times ``1[grad > 0]`` is stored at this call's position in it
    (what :func:`replayed_activations` needs)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, upper: float | None, record: list[Tensor | None] | None) -> Tensor:
        ctx.save_for_backward(x)
        ctx.upper = upper
        ctx.record = record
        if record is not None:
            ctx.index = len(record)
            record.append(None)
        return x.clamp(min=0, max=upper)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        (x,) = ctx.saved_tensors
        linear = _linear_range(x, ctx.upper)
        if ctx.record is not None:
            ctx.record[ctx.index] = linear & (grad > 0)
        return grad.clamp(min=0) * linear, None, None


def _linear_range(x: Tensor, upper: float | None) -> Tensor:
    return x > 0 if upper is None else (x > 0) & (x < upper)


def _guided_forward(upper: float | None, record: list[Tensor | None] | None) -> Callable[[Tensor], Tensor]:
    def forward(x: Tensor) -> Tensor:
        return _GuidedClamp.apply(x, upper, record)

    return forward


def _replayed_forward(upper: float | None, masks: Iterator[Tensor]) -> Callable[[Tensor], Tensor]:
    """The clamp's value with a tangent ``t · mask``: the guided rule's derivative for the
    gradient signs one backward pass recorded (``detach`` drops forward-mode tangents)."""

    def forward(x: Tensor) -> Tensor:
        return x.clamp(min=0, max=upper).detach() + (x - x.detach()) * next(masks)

    return forward


_MISSING = object()


@contextmanager
def _swapped(model: nn.Module, guide_relu6: bool, make: Callable[[float | None], Callable[[Tensor], Tensor]]) -> Iterator[None]:
    """Temporarily set the ``forward`` of ``model``'s guided activations to ``make(upper)``.

    The same module objects stay in place (the instance attribute ``forward`` shadows the
    class method and is deleted afterwards, also when the block raises).
    """
    swapped: list[tuple[nn.Module, Any]] = []
    try:
        for module in model.modules():
            if isinstance(module, nn.ReLU):
                upper = None
            elif guide_relu6 and isinstance(module, nn.ReLU6):
                upper = 6.0
            else:
                continue
            swapped.append((module, module.__dict__.get("forward", _MISSING)))
            module.forward = make(upper)  # type: ignore[method-assign, assignment]  # on purpose: the instance attribute shadows the method
        yield
    finally:
        for module, previous in reversed(swapped):
            if previous is _MISSING:
                del module.forward
            else:
                module.forward = previous


def guided_activations(
    model: nn.Module, guide_relu6: bool = False, record: list[Tensor | None] | None = None
) -> AbstractContextManager[None]:
    """Temporarily replace the ``forward`` of ``model``'s ReLU modules by the guided rule.

    The guided forward is out of place, so ``inplace=True`` doesn't disturb double backprop.
    ``record``: a list that receives, in forward-call order, each call's backward mask.
    """
    return _swapped(model, guide_relu6, lambda upper: _guided_forward(upper, record))


def replayed_activations(model: nn.Module, guide_relu6: bool, masks: list[Tensor | None]) -> AbstractContextManager[None]:
    """Forward-mode tangents through ``model`` that follow the guided backward pass whose
    masks :func:`guided_activations` recorded: a backward that was ``relu(g) · 1[linear]``
    is, for fixed signs of ``g``, the linear map ``g · mask``, and its adjoint multiplies the
    tangent by the same mask (the calls come in the same order)."""
    if any(mask is None for mask in masks):
        raise RuntimeError("a recorded guided activation saw no backward pass")
    calls = iter(cast(list[Tensor], masks))  # none is None: checked above
    return _swapped(model, guide_relu6, lambda upper: _replayed_forward(upper, calls))


def guided_backprop(model: nn.Module, x: Tensor, target: Target = None, create_graph: bool = False, *, guide_relu6: bool = False) -> Tensor:
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


class GuidedPrefixPass(NamedTuple):
    """A frozen prefix run once with guided activations: the graph from ``leaf`` to
    ``output`` (first order) and the list its backward will fill with masks."""

    leaf: Tensor
    output: Tensor
    masks: list[Tensor | None]


def guided_prefix_pass(prefix: nn.Module, x: Tensor, guide_relu6: bool = False) -> GuidedPrefixPass:
    """``prefix(x)`` with a guided graph; guided clamps forward like ReLUs, so the output
    equals the ordinary features."""
    masks: list[Tensor | None] = []
    with torch.enable_grad(), guided_activations(prefix, guide_relu6, masks):
        leaf = x.detach().requires_grad_(True)
        return GuidedPrefixPass(leaf, prefix(leaf), masks)


def guided_backprop_after(
    prefix: nn.Module,
    rest: nn.Module,
    x: Tensor,
    target: Target = None,
    create_graph: bool = False,
    *,
    guide_relu6: bool = False,
    prefix_pass: GuidedPrefixPass | None = None,
) -> Tensor:
    """:func:`guided_backprop` of ``rest(prefix(x))`` for a ``prefix`` that is a fixed function
    (frozen weights, eval mode): the same gradient, and with ``create_graph`` the same
    derivative w.r.t. ``rest``'s parameters, without a second-order graph through ``prefix``
    (:mod:`trustcnn.saliency.frozen_prefix`). ``prefix_pass``: the caller's
    :func:`guided_prefix_pass` on ``x``, used (once) instead of a new one."""
    prefix_pass = prefix_pass or guided_prefix_pass(prefix, x, guide_relu6)
    features = prefix_pass.output.detach().requires_grad_(True)
    with torch.enable_grad(), guided_activations(rest, guide_relu6):
        logits = rest(features)
        target = resolve_target(logits, target)
        score = logits.gather(1, target[:, None]).sum()
        (output_grads,) = torch.autograd.grad(score, features, create_graph=create_graph)
    rule = partial(replayed_activations, prefix, guide_relu6, prefix_pass.masks)
    gradient = frozen_prefix_input_grads(prefix, x, output_grads, (prefix_pass.leaf, prefix_pass.output), rule)
    return gradient if create_graph else gradient.detach()
