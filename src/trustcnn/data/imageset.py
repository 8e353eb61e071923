"""The one in-memory form every data source produces."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from trustcnn.runtime.ondisk import blocks, gather


@dataclass(frozen=True)
class ImageSet:
    """Images with labels, class names and optional per-image object masks.

    ``images`` is uint8 ``[N, H, W, 3]`` (RGB), ``labels`` int64 ``[N]`` indexing
    ``class_names``, ``masks`` bool ``[N, H, W]`` (True on the object) or ``None`` when
    the source has no object annotations. ``decoy_masks`` bool ``[N, H, W]`` marks a
    synthetic spurious patch (True on the decoy, all False where an image has none) for
    sources that paint one, else ``None``; it lets a bias audit measure saliency on it.
    ``decoy_palette`` uint8 ``[K, 3]`` is the solid colour a decoy of each class has, so the
    decoys can be repainted to build test views (:mod:`trustcnn.data.decoy_views`).
    ``has_mask`` bool ``[N]`` says which images' masks were given (people marked only some:
    :mod:`trustcnn.data.human_masks`); ``None`` means every image's mask was.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    masks: np.ndarray | None = None
    decoy_masks: np.ndarray | None = None
    decoy_palette: np.ndarray | None = None
    has_mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.shape[-1] != 3 or self.images.dtype != np.uint8:
            raise ValueError(f"images must be uint8 [N, H, W, 3], got {self.images.dtype} {self.images.shape}")
        n = len(self.images)
        if self.labels.shape != (n,):
            raise ValueError(f"labels must have shape ({n},), got {self.labels.shape}")
        if n and (self.labels.min() < 0 or self.labels.max() >= len(self.class_names)):
            raise ValueError(f"labels must lie in [0, {len(self.class_names)}) for classes {self.class_names}")
        if self.masks is not None and self.masks.shape != self.images.shape[:3]:
            raise ValueError(f"masks must have shape {self.images.shape[:3]}, got {self.masks.shape}")
        if self.decoy_masks is not None and self.decoy_masks.shape != self.images.shape[:3]:
            raise ValueError(f"decoy_masks must have shape {self.images.shape[:3]}, got {self.decoy_masks.shape}")
        if self.decoy_palette is not None and (
            self.decoy_palette.shape != (len(self.class_names), 3) or self.decoy_palette.dtype != np.uint8
        ):
            raise ValueError(
                f"decoy_palette must be uint8 [{len(self.class_names)}, 3], got {self.decoy_palette.dtype} {self.decoy_palette.shape}"
            )
        if self.has_mask is not None and (self.masks is None or self.has_mask.shape != (n,) or self.has_mask.dtype != np.bool_):
            raise ValueError(f"has_mask must be bool ({n},) beside masks, got {self.has_mask.dtype} {self.has_mask.shape}")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def has_decoys(self) -> bool:
        """True when some image carries a decoy whose colour can be repainted."""
        if self.decoy_palette is None or self.decoy_masks is None:
            return False
        return any(bool(block.any()) for _, block in blocks(self.decoy_masks))  # stops at the first decoy

    def with_images(self, images: np.ndarray) -> ImageSet:
        """The same labels, masks and decoys over other pixels (e.g. repainted decoys)."""
        return dataclasses.replace(self, images=images)

    def with_masks(self, masks: np.ndarray, has_mask: np.ndarray | None = None) -> ImageSet:
        """The same images with other object masks (e.g. people's), given for the images
        ``has_mask`` names (``None``: for every image)."""
        return dataclasses.replace(self, masks=masks, has_mask=has_mask)

    def subset(self, index: np.ndarray, memory_budget_mb: float = float("inf")) -> ImageSet:
        """The images at ``index`` (an integer or boolean index array), same classes; each
        array in a temporary file (memory-mapped) where it exceeds ``memory_budget_mb``."""
        return ImageSet(
            images=gather(self.images, index, memory_budget_mb),
            labels=self.labels[index],
            class_names=self.class_names,
            masks=None if self.masks is None else gather(self.masks, index, memory_budget_mb),
            decoy_masks=None if self.decoy_masks is None else gather(self.decoy_masks, index, memory_budget_mb),
            decoy_palette=self.decoy_palette,
            has_mask=None if self.has_mask is None else self.has_mask[index],
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for ``np.savez`` (see :meth:`from_arrays`)."""
        arrays = {
            "images": self.images,
            "labels": self.labels,
            "class_names": np.asarray(self.class_names, dtype=str),
        }
        if self.masks is not None:
            arrays["masks"] = self.masks
        if self.decoy_masks is not None:
            arrays["decoy_masks"] = self.decoy_masks
        if self.decoy_palette is not None:
            arrays["decoy_palette"] = self.decoy_palette
        if self.has_mask is not None:
            arrays["has_mask"] = self.has_mask
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ImageSet:
        masks = arrays.get("masks")
        decoy_masks = arrays.get("decoy_masks")
        palette = arrays.get("decoy_palette")
        has_mask = arrays.get("has_mask")
        return cls(
            images=np.asarray(arrays["images"], dtype=np.uint8),
            labels=np.asarray(arrays["labels"], dtype=np.int64),
            class_names=tuple(str(c) for c in arrays["class_names"]),
            masks=None if masks is None else np.asarray(masks, dtype=bool),
            decoy_masks=None if decoy_masks is None else np.asarray(decoy_masks, dtype=bool),
            decoy_palette=None if palette is None else np.asarray(palette, dtype=np.uint8),
            has_mask=None if has_mask is None else np.asarray(has_mask, dtype=bool),
        )
