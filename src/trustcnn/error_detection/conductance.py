"""Layer conductance (Dhamdhere et al., 2018): how much each hidden unit carries of the
prediction, integrated along the straight path from a baseline to the input.

For a unit ``y_j`` of ``layer`` and target logit ``F``, with ``x_k = b + k/n · (x − b)``:
``cond_j = Σ_{k<n} ∂F/∂y_j(x_k) · (y_j(x_{k+1}) − y_j(x_k))`` — Captum's ``LayerConductance``
with ``method="riemann_trapezoid"`` (tested to be equal), batched: one forward and one
backward over all ``n + 1`` path points of a batch of images.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trustcnn.saliency import capture_activations
from trustcnn.saliency.targets import Target, resolve_target


def layer_conductance(
    model: nn.Module, layer: nn.Module, x: Tensor, target: Target = None, n_steps: int = 8, baseline: float = 0.0
) -> Tensor:
    """Conductance of every unit of ``layer``'s output for each image, shaped like that
    output ``[B, C, h, w]``; ``target`` defaults to the predicted class; detached."""
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}")
    batch = len(x)
    with torch.no_grad():
        target = resolve_target(model(x), target)
    alphas = torch.linspace(0.0, 1.0, n_steps + 1, device=x.device, dtype=x.dtype)
    path = (baseline + alphas.view(-1, *([1] * x.ndim)) * (x.detach() - baseline)).reshape(-1, *x.shape[1:])
    with torch.enable_grad(), capture_activations(layer) as captured:
        logits = model(path)
        score = logits.gather(1, target.repeat(n_steps + 1)[:, None]).sum()
        (gradients,) = torch.autograd.grad(score, captured.activations)
    units = captured.activations.shape[1:]
    values = captured.activations.detach().reshape(n_steps + 1, batch, *units)
    gradients = gradients.reshape(n_steps + 1, batch, *units)
    return ((values[1:] - values[:-1]) * gradients[:-1]).sum(dim=0)


def unit_conductance(model: nn.Module, layer: nn.Module, x: Tensor, target: Target = None, n_steps: int = 8) -> Tensor:
    """Per channel (unit of a conv layer): conductance summed over positions, ``[B, C]``."""
    conductance = layer_conductance(model, layer, x, target, n_steps)
    return conductance.flatten(2).sum(dim=2) if conductance.ndim > 2 else conductance
