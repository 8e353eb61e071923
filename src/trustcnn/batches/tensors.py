"""A split read batch by batch through a torch ``DataLoader``, and the batches it yields.

The split's arrays may be memory-mapped (:class:`trustcnn.storage.ImageSetDataset`), so a
batch costs only its own pages, and the pages a pass has read are dropped as it goes
(:class:`trustcnn.runtime.ondisk.ResidentBudget`): however large the split, a pass over it keeps a
bounded amount of it resident. The batch order is the one the training loop always had:
one ``torch.randperm`` per pass from the loop's seeded generator (or the stored order), cut
into consecutive batches — under ``torch.distributed`` each of those global batches is split
across the ranks (:class:`GlobalBatches`), so the ranks together see what one process sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Sampler

from trustcnn.batches import distributed
from trustcnn.data import ImageSet
from trustcnn.data.composite import paint_decoys
from trustcnn.runtime.ondisk import ResidentBudget, blocks


@dataclass(frozen=True)
class TensorSet:
    """One batch: inputs (images in [0, 1] or cached features), labels and optional masks;
    ``has_mask`` (bool ``[B]``) says which images have one (``None``: all of them)."""

    x: Tensor
    y: Tensor
    masks: Tensor | None = None
    has_mask: Tensor | None = None

    def __len__(self) -> int:
        return len(self.y)

    def to(self, device: torch.device) -> TensorSet:
        def move(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.to(device, non_blocking=True)

        return TensorSet(self.x.to(device, non_blocking=True), self.y.to(device, non_blocking=True), move(self.masks), move(self.has_mask))

    def pin_memory(self) -> TensorSet:  # called by DataLoader(pin_memory=True)
        def pin(t: Tensor) -> Tensor:
            return t.pin_memory() if t.device.type == "cpu" else t

        return TensorSet(
            pin(self.x), pin(self.y), None if self.masks is None else pin(self.masks), None if self.has_mask is None else pin(self.has_mask)
        )


class SplitData(Dataset[TensorSet]):
    """A split indexed by a batch of positions. ``x`` is uint8 ``[N, H, W, 3]`` images
    (converted per batch exactly as the whole split used to be) or cached features; each of
    ``x``, ``y`` and ``masks`` is a numpy array (memory-mapped or not) or a tensor.
    ``repaint`` ``(decoy_masks, colours)`` fills each image's decoy with its colour (the decoy
    views, built per batch instead of as copies of the split). ``has_mask`` (bool ``[N]``)
    says which images' masks were given (``None``: every image's)."""

    def __init__(
        self,
        x: np.ndarray | Tensor,
        y: np.ndarray | Tensor,
        masks: np.ndarray | Tensor | None = None,
        repaint: tuple[np.ndarray, np.ndarray] | None = None,
        has_mask: np.ndarray | None = None,
    ) -> None:
        self.x, self.y, self.masks, self.repaint, self.has_mask = x, y, masks, repaint, has_mask
        arrays = (x, y, masks, *(repaint or ()))
        self._budget = ResidentBudget(*(a for a in arrays if isinstance(a, np.ndarray)))

    @classmethod
    def of(cls, images: ImageSet, repaint_colours: np.ndarray | None = None) -> SplitData:
        """``images``; with ``repaint_colours`` (uint8 ``[N, 3]``) each decoy repainted in its image's colour."""
        repaint = None
        if repaint_colours is not None:
            assert images.decoy_masks is not None, "repainting decoys needs the split's decoy masks"
            repaint = (images.decoy_masks, repaint_colours)
        return cls(images.images, images.labels, images.masks, repaint, images.has_mask)

    def with_x(self, x: np.ndarray | Tensor) -> SplitData:
        return SplitData(x, self.y, self.masks, has_mask=self.has_mask)

    @property
    def holds_images(self) -> bool:
        return isinstance(self.x, np.ndarray) and self.x.dtype == np.uint8

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: Tensor) -> TensorSet:
        if isinstance(self.x, np.ndarray) and self.holds_images:
            pixels = self._budget.take(self.x, index.numpy())
            if self.repaint is not None:
                decoy_masks, colours = self.repaint
                pixels = paint_decoys(pixels, self._budget.take(decoy_masks, index.numpy()), colours[index.numpy()])
            x = images_to_tensor(pixels)
        else:
            x = self._take(self.x, index)
        masks = None if self.masks is None else self._take(self.masks, index).float()
        has_mask = None if self.has_mask is None else torch.from_numpy(self.has_mask[index.numpy()])
        return TensorSet(x, self._take(self.y, index).long(), masks, has_mask)

    def _take(self, array: np.ndarray | Tensor, index: Tensor) -> Tensor:
        return array[index] if isinstance(array, Tensor) else torch.from_numpy(self._budget.take(array, index.numpy()))


class GlobalBatches(Sampler[Tensor]):
    """Consecutive batches of one pass — shuffled by a fresh ``torch.randperm`` from the
    seeded ``generator`` when one is given — and, with ``shard`` under ``torch.distributed``,
    this rank's share of each (``tensor_split`` across the ranks: sizes differ by ≤ 1)."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator | None = None, shard: bool = True) -> None:
        self.n, self.batch_size, self.generator = n, batch_size, generator
        self.rank, self.world = distributed.rank_and_world() if shard else (0, 1)
        smallest = min(batch_size, n % batch_size or batch_size)
        if n and smallest < self.world:
            raise ValueError(
                f"a batch of {smallest} images can't be split across {self.world} processes: "
                f"use a batch_size (now {batch_size}) and a split size (now {n}) that give every process an image"
            )

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)  # noqa: PLE0303 - ceil(n / batch_size), never negative

    def __iter__(self) -> Iterator[Tensor]:
        order = torch.randperm(self.n, generator=self.generator) if self.generator is not None else torch.arange(self.n)
        for start in range(0, self.n, self.batch_size):
            batch = order[start : start + self.batch_size]
            yield torch.tensor_split(batch, self.world)[self.rank] if self.world > 1 else batch


def batches(
    data: SplitData, batch_size: int, generator: torch.Generator | None = None, *, workers: int = 0, shard: bool = True
) -> DataLoader:
    """A ``DataLoader`` over ``data`` in :class:`GlobalBatches`."""
    return _loader(data, GlobalBatches(len(data), batch_size, generator, shard), workers)


def round_robin(data: SplitData, batch_size: int, workers: int = 0) -> Iterator[tuple[int, int, TensorSet | None]]:
    """``(index, size, batch)`` for each batch of ``data`` in order, each batch computed whole
    by one rank (:func:`trustcnn.batches.distributed.owned`): ``batch`` is read only there
    and is ``None`` on the other ranks, which receive its result instead."""
    order = list(GlobalBatches(len(data), batch_size, shard=False))
    mine = iter(_loader(data, [b for i, b in enumerate(order) if distributed.owned(i)], workers))
    for index, positions in enumerate(order):
        yield index, len(positions), next(mine) if distributed.owned(index) else None


def _loader(data: SplitData, sampler: Sampler[Tensor] | list[Tensor], workers: int) -> DataLoader:
    """``workers`` processes read ahead, into pinned memory on CUDA. The loader's own generator
    seeds the workers, so iterating never draws from torch's global random state (dropout's)."""
    return DataLoader(
        data,
        sampler=sampler,
        batch_size=None,
        num_workers=workers,
        pin_memory=torch.cuda.is_available(),
        generator=torch.Generator(),
    )


def images_to_tensor(images: np.ndarray) -> Tensor:
    """uint8 ``[N, H, W, 3]`` → float ``[N, 3, H, W]`` in [0, 1]. A read-only (memory-mapped)
    array is copied first: torch won't wrap memory it may not write."""
    return torch.from_numpy(np.require(images, requirements=["C", "W"])).permute(0, 3, 1, 2).float().div_(255.0)


def to_tensors(images: ImageSet) -> TensorSet:
    """A whole (small) split as one batch in memory — for code that needs every image at once."""
    return SplitData.of(images)[torch.arange(len(images))]


def input_example(images: ImageSet) -> np.ndarray:
    """One image as the model takes it (float ``[1, 3, H, W]`` in [0, 1]), for MLflow's signature."""
    return images_to_tensor(images.images[:1]).numpy()


def channel_stats(images: ImageSet, memory_budget_mb: float = 256, chunk: int = 4096) -> tuple[list[float], list[float]]:
    """Per-channel mean and std in [0, 1] units, for the model's Normalize layer. In one
    float64 pass when that fits ``memory_budget_mb`` (the numbers every run so far used),
    else in two passes over chunks of ``chunk`` images (equal within float64 rounding)."""
    pixels = images.images.reshape(len(images), -1, 3)
    if images.images.size * 8 <= memory_budget_mb * 2**20:
        x = pixels.reshape(-1, 3).astype(np.float64) / 255.0
        return x.mean(axis=0).tolist(), np.maximum(x.std(axis=0), 1e-3).tolist()
    count = pixels.shape[0] * pixels.shape[1]
    mean = sum(block.reshape(-1, 3).sum(axis=0, dtype=np.float64) for _, block in blocks(pixels, chunk)) / 255.0 / count
    squares = sum(np.square(block.reshape(-1, 3) / 255.0 - mean).sum(axis=0) for _, block in blocks(pixels, chunk))
    return mean.tolist(), np.maximum(np.sqrt(squares / count), 1e-3).tolist()
