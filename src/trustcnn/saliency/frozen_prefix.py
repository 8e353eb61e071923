"""Gradients to the input through a frozen prefix without a second-order graph through it.

RRR penalises the input gradient ``v = J_f(x)ᵀ u`` of the log-probabilities, and Guided
Grad-CAM the guided one; ``f`` is the frozen backbone and ``u`` the gradient at its output
``h``. Training needs the penalty's gradient only for the trainable suffix's θ, which
reaches the penalty through ``u`` alone. ``v`` is linear in ``u`` (for guided backprop: once
the signs of the gradients at each guided ReLU are fixed, which they are almost everywhere),
so ``∂P/∂u = J · ∂P/∂v`` is a Jacobian-*vector* product. Autograd's double backward through
the backbone would instead build a second-order graph of every frozen layer and compute
the frozen weights' gradient terms too (one convolution per channel for depthwise layers).
Here the backbone's VJP runs first-order, and its backward is one forward-mode
``torch.func.jvp``: the same numbers, far less work.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch
from torch import Tensor, nn

TangentRule = Callable[[], AbstractContextManager[Any]]
"""Entered around the forward-mode pass: how the prefix's nonlinearities carry tangents
(``nullcontext``: their true derivative; guided backprop swaps in its masks)."""


class _FrozenVJP(torch.autograd.Function):
    """``v = Bᵀ u``, ``B`` the prefix's backward rule at ``x``; backward: ``∂/∂u = B · grad_v``
    (no gradient to ``x``). ``forward_graph`` is ``(leaf, prefix(leaf))`` when the caller
    already ran the prefix with a graph (saves a forward), else ``None``."""

    @staticmethod
    def forward(
        ctx: Any, u: Tensor, x: Tensor, prefix: nn.Module, forward_graph: tuple[Tensor, Tensor] | None, tangent_rule: TangentRule
    ) -> Tensor:
        ctx.save_for_backward(x)
        ctx.prefix = prefix
        ctx.tangent_rule = tangent_rule
        with torch.enable_grad():
            leaf, output = forward_graph or (leaf := x.detach().requires_grad_(True), prefix(leaf))
            (v,) = torch.autograd.grad(output, leaf, u)
        return v

    @staticmethod
    def backward(ctx: Any, grad_v: Tensor) -> tuple[Tensor, None, None, None, None]:
        (x,) = ctx.saved_tensors
        with ctx.tangent_rule():
            _, grad_u = torch.func.jvp(ctx.prefix, (x.detach(),), (grad_v,))  # type: ignore[misc]  # two values without has_aux; the annotation allows three
        return grad_u, None, None, None, None


def frozen_prefix_input_grads(
    prefix: nn.Module,
    x: Tensor,
    output_grads: Tensor,
    forward_graph: tuple[Tensor, Tensor] | None = None,
    tangent_rule: TangentRule = nullcontext,
) -> Tensor:
    """``∂/∂x`` of whatever ``output_grads`` is the gradient of at ``prefix(x)``, differentiable
    with respect to ``output_grads`` (and so to the trainable parameters behind it) but not to
    ``prefix``'s weights, which must be frozen. ``forward_graph``: ``(leaf, prefix(leaf))``
    already computed with a graph, reused instead of a second forward."""
    return _FrozenVJP.apply(output_grads, x, prefix, forward_graph, tangent_rule)
