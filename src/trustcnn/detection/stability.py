"""Weight-perturbation stability (Wang et al., as used by Wu et al. 2019): how often the
prediction survives Gaussian noise on the trainable layer's weights. Wrong predictions tend
to sit closer to a decision boundary, so they flip more."""

from __future__ import annotations

import copy

import torch
from torch import Tensor

from trustcnn.models import SplitNet


@torch.no_grad()
def prediction_stability(
    model: SplitNet, features: Tensor, predictions: Tensor, *, samples: int, sigma: float, seed: int
) -> Tensor:
    """Share ``[N]`` of ``samples`` perturbed copies of ``model`` that predict what
    ``predictions`` says, each perturbing every weight tensor of the trainable layer (not
    its biases) by ``N(0, (sigma · std of that tensor)²)``; ``features`` are the frozen
    prefix's output for the images (computed once). Seeded."""
    if samples < 1 or sigma <= 0:
        raise ValueError(f"stability needs samples >= 1 and sigma > 0, got {samples}, {sigma}")
    generator = torch.Generator(device="cpu").manual_seed(seed)
    perturbed = copy.deepcopy(model.suffix).eval()
    weights = [(name, p.detach().clone()) for name, p in model.cam_layer.named_parameters() if p.ndim > 1]
    targets = dict(perturbed[0].named_parameters())
    agree = torch.zeros(len(features), device=features.device)
    for _ in range(samples):
        for name, original in weights:
            noise = torch.randn(original.shape, generator=generator).to(original.device)
            targets[name].copy_(original + sigma * original.std() * noise)
        agree += (perturbed(features).argmax(dim=1) == predictions).float()
    return agree / samples
