"""Weight-perturbation stability (Wang et al., as used by Wu et al. 2019): how often the
prediction survives Gaussian noise on the trainable layer's weights. Wrong predictions tend
to sit closer to a decision boundary, so they flip more."""

from __future__ import annotations

import copy

import torch
from torch import Tensor

from trustcnn.models import SplitNet


class PerturbedSuffixes:
    """``samples`` perturbed copies of ``model``'s suffix, each with every weight tensor of the
    trainable layer (not its biases) moved by ``N(0, (sigma · std of that tensor)²)``. The
    noise is drawn once (seeded), so batches scored one after another agree with one call
    on all of them."""

    @torch.no_grad()
    def __init__(self, model: SplitNet, *, samples: int, sigma: float, seed: int) -> None:
        if samples < 1 or sigma <= 0:
            raise ValueError(f"stability needs samples >= 1 and sigma > 0, got {samples}, {sigma}")
        generator = torch.Generator(device="cpu").manual_seed(seed)
        self.suffix = copy.deepcopy(model.suffix).eval()
        weights = [(name, p.detach().clone()) for name, p in model.cam_layer.named_parameters() if p.ndim > 1]
        self._targets = dict(self.suffix[0].named_parameters())
        self._samples = [
            {
                name: original + sigma * original.std() * torch.randn(original.shape, generator=generator).to(original.device)
                for name, original in weights
            }
            for _ in range(samples)
        ]

    @torch.no_grad()
    def agreement(self, features: Tensor, predictions: Tensor) -> Tensor:
        """Share ``[N]`` of the copies that predict ``predictions`` from the frozen prefix's
        ``features`` of the images."""
        agree = torch.zeros(len(features), device=features.device)
        for sample in self._samples:
            for name, weight in sample.items():
                self._targets[name].copy_(weight)
            agree += (self.suffix(features).argmax(dim=1) == predictions).float()
        return agree / len(self._samples)


def prediction_stability(model: SplitNet, features: Tensor, predictions: Tensor, *, samples: int, sigma: float, seed: int) -> Tensor:
    """:meth:`PerturbedSuffixes.agreement` of ``samples`` seeded copies on ``features``."""
    return PerturbedSuffixes(model, samples=samples, sigma=sigma, seed=seed).agreement(features, predictions)
