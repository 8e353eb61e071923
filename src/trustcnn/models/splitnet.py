"""A classifier split at its one trainable conv layer: ``head(trust_layer(prefix(x)))``.

Both of the paper's setups have this shape. In transfer learning (§4.1) the prefix is a
frozen backbone and ``trust_layer`` a new conv layer placed after its last conv layer,
followed by global pooling and a linear head; for VGG-16 (§4.2) the prefix is everything
before ``features.28`` and the head everything after it. Because the prefix never trains,
its output can be computed once and cached (:mod:`trustcnn.training.feature_cache`). End to
end (``trainable: all``) the prefix trains too, and then it can't be cached.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

TRAINABLE_PARTS: dict[str, tuple[str, ...]] = {
    "trust_layer": ("trust_layer",),
    "trust_layer+head": ("trust_layer", "head"),
    "all": ("backbone", "trust_layer", "head"),
}
"""The parts each value of the ``trainable`` parameter unfreezes."""


def trains(module: nn.Module) -> bool:
    return any(p.requires_grad for p in module.parameters())


def set_part_modes(parts: Iterable[nn.Module], mode: bool) -> None:
    """Train mode (BatchNorm statistics move, Dropout drops) only for the parts that train:
    a frozen part stays in eval mode whatever the whole model's mode is."""
    for part in parts:
        part.train(mode and trains(part))


class Suffix(nn.Sequential):
    """``head(trust_layer(features))``: what runs on cached features."""

    def train(self, mode: bool = True) -> Suffix:
        super().train(mode)
        set_part_modes(self, mode)
        return self


class Normalize(nn.Module):
    """Per-channel standardisation inside the model, so callers feed images in [0, 1]."""

    mean: Tensor  # buffers, registered in __init__
    std: Tensor

    def __init__(self, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std


class SplitNet(nn.Module):
    """``suffix(prefix(x))`` where ``suffix = Sequential(trust_layer, head)``.

    Grad-CAM is taken at the output of ``trust_layer`` (:attr:`cam_layer`). Only the parts
    that train follow the model's mode (:func:`set_part_modes`): a frozen backbone stays in
    eval mode, so its BatchNorm statistics never move.
    """

    def __init__(self, prefix: nn.Module, trust_layer: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.prefix = prefix.requires_grad_(False)  # frozen until set_trainable("backbone")
        self.suffix = Suffix(trust_layer, head)

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

    @property
    def prefix_trains(self) -> bool:
        return trains(self.prefix)

    def train(self, mode: bool = True) -> SplitNet:
        super().train(mode)
        set_part_modes((self.prefix, self.cam_layer, self.head), mode)
        return self

    def set_trainable(self, *parts: str) -> None:
        """Freeze everything, then unfreeze ``"backbone"`` (the prefix), ``"trust_layer"``
        and/or ``"head"``."""
        modules = {"backbone": self.prefix, "trust_layer": self.cam_layer, "head": self.head}
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
