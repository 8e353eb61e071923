"""A classifier split at its one trainable conv layer: ``head(trust_layer(prefix(x)))``.

Both of the paper's setups have this shape. In transfer learning (§4.1) the prefix is a
frozen backbone and ``trust_layer`` a new conv layer placed after its last conv layer,
followed by global pooling and a linear head; for VGG-16 (§4.2) the prefix is everything
before ``features.28`` and the head everything after it. Because the prefix never trains,
its output can be computed once and cached (:mod:`trustcnn.training.features`).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class Normalize(nn.Module):
    """Per-channel standardisation inside the model, so callers feed images in [0, 1]."""

    def __init__(self, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std


class SplitNet(nn.Module):
    """``suffix(prefix(x))`` where ``suffix = Sequential(trust_layer, head)``.

    Grad-CAM is taken at the output of ``trust_layer`` (:attr:`cam_layer`); the prefix
    (normalisation + frozen backbone) is kept in eval mode so BatchNorm statistics never
    move, whatever mode the whole model is in.
    """

    def __init__(self, prefix: nn.Module, trust_layer: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.prefix = prefix
        self.suffix = nn.Sequential(trust_layer, head)

    @property
    def cam_layer(self) -> nn.Module:
        return self.suffix[0]

    @property
    def head(self) -> nn.Module:
        return self.suffix[1]

    def features(self, x: Tensor) -> Tensor:
        return self.prefix(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.suffix(self.prefix(x))

    def train(self, mode: bool = True) -> SplitNet:
        super().train(mode)
        self.prefix.eval()
        return self

    def set_trainable(self, *parts: str) -> None:
        """Freeze everything, then unfreeze ``"trust_layer"`` and/or ``"head"``."""
        modules = {"trust_layer": self.cam_layer, "head": self.head}
        unknown = set(parts) - modules.keys()
        if unknown:
            raise ValueError(f"unknown trainable part(s) {sorted(unknown)}; choose from {sorted(modules)}")
        for p in self.parameters():
            p.requires_grad_(False)
        for part in parts:
            for p in modules[part].parameters():
                p.requires_grad_(True)

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]
