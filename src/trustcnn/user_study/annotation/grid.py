"""The grid people mark on, and the brush: what a submission says, as pixels.

The image (``height`` × ``width`` pixels, the split's resolution) is cut into ``rows`` ×
``cols`` equal cells; the grid must divide the image exactly, so cell ``n`` (row-major,
``n = row * cols + col``) covers the pixels ``[row*h, (row+1)*h) × [col*w, (col+1)*w)`` with
``h = height / rows`` and ``w = width / cols`` — no pixel is shared or left out. The brush
(drawn where JavaScript runs) is a pixel mask of the same size, sent as the base64 of its
bits packed row-major (``numpy.packbits``, most significant bit first).

Everything here is pure numpy and validates what a browser sent: a malformed or oversized
submission raises :class:`ValueError` (the server answers 4xx and stores nothing).
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    rows: int
    cols: int
    height: int
    width: int

    def __post_init__(self) -> None:
        if min(self.rows, self.cols, self.height, self.width) < 1 or self.height % self.rows or self.width % self.cols:
            raise ValueError(f"a {self.rows}×{self.cols} grid does not divide {self.height}×{self.width} pixels into equal cells")

    @classmethod
    def over(cls, height: int, width: int, cells: int, parameter: str = "annotation.grid") -> Grid:
        """``cells`` × ``cells`` over an image, or an error naming ``parameter`` and the sizes that fit."""
        if height % cells or width % cells:
            fits = [n for n in range(2, min(height, width) + 1) if height % n == 0 and width % n == 0]
            raise ValueError(f"{parameter}={cells} does not divide the {height}×{width} images into equal cells; choose one of {fits}")
        return cls(cells, cells, height, width)

    @classmethod
    def from_manifest(cls, manifest: dict) -> Grid:
        return cls(manifest["grid"]["rows"], manifest["grid"]["cols"], manifest["image"]["height"], manifest["image"]["width"])

    def to_manifest(self) -> dict:
        return {"grid": {"rows": self.rows, "cols": self.cols}, "image": {"height": self.height, "width": self.width}}

    @property
    def n_cells(self) -> int:
        return self.rows * self.cols

    @property
    def brush_chars(self) -> int:
        """The length of an encoded brush: base64 of ``ceil(height·width / 8)`` bytes."""
        return 4 * math.ceil(math.ceil(self.height * self.width / 8) / 3)

    def cell_mask(self, cells: list[int] | np.ndarray) -> np.ndarray:
        """Boolean ``[height, width]``: the pixels of ``cells``, exactly."""
        marked = np.zeros(self.n_cells, bool)
        marked[np.asarray(cells, dtype=np.int64)] = True
        h, w = self.height // self.rows, self.width // self.cols
        return np.repeat(np.repeat(marked.reshape(self.rows, self.cols), h, axis=0), w, axis=1)

    def parse_cells(self, values: list[str]) -> list[int]:
        """Sorted cell numbers from the form's ``cell`` values; each a distinct integer in range."""
        if len(values) > self.n_cells:
            raise ValueError(f"{len(values)} cells marked, but the grid has {self.n_cells}")
        if not all(value.isascii() and value.isdigit() and len(value) <= 6 for value in values):
            raise ValueError("a marked cell is not a cell number")
        cells = sorted(int(value) for value in values)
        if len(set(cells)) < len(cells) or (cells and cells[-1] >= self.n_cells):
            raise ValueError(f"marked cells must be distinct numbers 0 … {self.n_cells - 1}")
        return cells

    def encode_brush(self, mask: np.ndarray) -> str:
        if mask.shape != (self.height, self.width):
            raise ValueError(f"a brush mask is {self.height}×{self.width}, got {mask.shape}")
        return base64.b64encode(np.packbits(mask.astype(bool), axis=None).tobytes()).decode("ascii")

    def decode_brush(self, text: str) -> np.ndarray | None:
        """The brush's pixel mask, or ``None`` for an empty field or a brush that marks nothing."""
        if not text:
            return None
        if len(text) != self.brush_chars:
            raise ValueError(f"the brush is {len(text)} characters; a {self.height}×{self.width} brush is {self.brush_chars}")
        try:
            packed = np.frombuffer(base64.b64decode(text.encode("ascii"), validate=True), np.uint8)
        except (UnicodeEncodeError, binascii.Error):
            raise ValueError("the brush is not base64") from None
        bits = np.unpackbits(packed)
        pixels = self.height * self.width
        if len(bits) < pixels or bits[pixels:].any():
            raise ValueError("the brush has bits beyond the image")
        mask = bits[:pixels].reshape(self.height, self.width).astype(bool)
        return mask if mask.any() else None
