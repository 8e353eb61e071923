"""ImageSet → tensors, and the batches a training loop walks over."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from trustcnn.data import ImageSet


@dataclass(frozen=True)
class TensorSet:
    """Inputs (images in [0, 1] or cached features), labels and optional masks."""

    x: Tensor
    y: Tensor
    masks: Tensor | None = None

    def __len__(self) -> int:
        return len(self.y)

    def batches(self, batch_size: int, generator: torch.Generator | None = None) -> Iterator[TensorSet]:
        """Consecutive batches; shuffled when a seeded ``generator`` is given."""
        n = len(self)
        order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            yield TensorSet(self.x[idx], self.y[idx], None if self.masks is None else self.masks[idx])

    def with_x(self, x: Tensor) -> TensorSet:
        return TensorSet(x, self.y, self.masks)


def images_to_tensor(images: np.ndarray) -> Tensor:
    """uint8 ``[N, H, W, 3]`` → float ``[N, 3, H, W]`` in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)


def input_example(images: ImageSet) -> np.ndarray:
    """One image as the model takes it (float ``[1, 3, H, W]`` in [0, 1]), for MLflow's signature."""
    return images_to_tensor(images.images[:1]).numpy()


def to_tensors(images: ImageSet) -> TensorSet:
    masks = None if images.masks is None else torch.from_numpy(images.masks).float()
    return TensorSet(images_to_tensor(images.images), torch.from_numpy(images.labels).long(), masks)


def channel_stats(images: ImageSet) -> tuple[list[float], list[float]]:
    """Per-channel mean and std in [0, 1] units, for the model's Normalize layer."""
    x = images.images.reshape(-1, 3).astype(np.float64) / 255.0
    return x.mean(axis=0).tolist(), np.maximum(x.std(axis=0), 1e-3).tolist()
