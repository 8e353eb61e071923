"""Input gradients through a frozen prefix without a second-order graph through it.

RRR penalises the input gradient ``v = J_f(x)ᵀ u`` of the log-probabilities, where ``f`` is
the frozen backbone and ``u = ∂ log p / ∂h`` the gradient at its output ``h``. Training
needs ``∂ penalty / ∂θ`` only for the trainable suffix's θ, which reaches the penalty
through ``u`` alone: ``∂P/∂u = J_f(x) · ∂P/∂v``, a Jacobian-*vector* product. Autograd's
double backward through the backbone would instead build a second-order graph of every
frozen layer and compute the frozen weights' gradient terms too (one convolution per
channel for depthwise layers). Here the backbone's VJP runs first-order, and its backward
is one forward-mode ``torch.func.jvp``: the same numbers, far less work.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class _FrozenVJP(torch.autograd.Function):
    """``v = J_f(x)ᵀ u``; backward: ``∂/∂u = J_f(x) · grad_v`` (no gradient to ``x``).
    ``forward_graph`` is ``(leaf, prefix(leaf))`` when the caller already ran the prefix
    with a graph (saves a forward), else ``None``."""

    @staticmethod
    def forward(ctx: Any, u: Tensor, x: Tensor, prefix: nn.Module, forward_graph: tuple[Tensor, Tensor] | None) -> Tensor:
        ctx.save_for_backward(x)
        ctx.prefix = prefix
        with torch.enable_grad():
            leaf, output = forward_graph or (leaf := x.detach().requires_grad_(True), prefix(leaf))
            (v,) = torch.autograd.grad(output, leaf, u)
        return v

    @staticmethod
    def backward(ctx: Any, grad_v: Tensor) -> tuple[Tensor, None, None, None]:
        (x,) = ctx.saved_tensors
        _, grad_u = torch.func.jvp(ctx.prefix, (x.detach(),), (grad_v,))
        return grad_u, None, None, None


def frozen_prefix_input_grads(
    prefix: nn.Module, x: Tensor, output_grads: Tensor, forward_graph: tuple[Tensor, Tensor] | None = None
) -> Tensor:
    """``∂/∂x`` of whatever ``output_grads`` is the gradient of at ``prefix(x)``, differentiable
    with respect to ``output_grads`` (and so to the trainable parameters behind it) but not to
    ``prefix``'s weights, which must be frozen. ``forward_graph``: ``(leaf, prefix(leaf))``
    already computed with a graph, reused instead of a second forward."""
    return _FrozenVJP.apply(output_grads, x, prefix, forward_graph)
