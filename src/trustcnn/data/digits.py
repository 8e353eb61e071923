"""The embedded default source: scikit-learn's handwritten digits on texture photos.

``sklearn.datasets.load_digits`` ships inside the scikit-learn wheel (1,797 real 8×8
digits, 0..16) and the texture photos inside scikit-image's, so this source works offline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.datasets import load_digits

from trustcnn.config import DataConfig
from trustcnn.data.glyph_task import make_glyph_task
from trustcnn.data.imageset import ImageSet
from trustcnn.data.source import DataSource, SourceData, glyph_source
from trustcnn.runtime.errors import ParameterError

DIGIT_CLASSES: tuple[int, ...] = tuple(range(10))


def load_digit_glyphs(
    classes: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The digits of ``classes`` (default all ten) as ``(glyphs, labels, class_names)``.

    ``glyphs`` is float32 ``[N, 8, 8]`` in [0, 1]; label ``k`` means digit ``classes[k]``,
    named ``class_names[k] == str(classes[k])``.
    """
    chosen = DIGIT_CLASSES if classes is None else tuple(int(c) for c in classes)
    if not chosen or len(set(chosen)) != len(chosen) or not set(chosen) <= set(DIGIT_CLASSES):
        raise ParameterError(f"data.classes must be distinct digits in 0..9, got {classes!r}")
    digits = load_digits()
    keep = np.isin(digits.target, chosen)
    glyphs = (digits.images[keep] / 16.0).astype(np.float32)
    remap = np.full(len(DIGIT_CLASSES), -1, dtype=np.int64)
    remap[list(chosen)] = np.arange(len(chosen))
    return glyphs, remap[digits.target[keep]], tuple(str(c) for c in chosen)


def make_digits(**kwargs) -> dict[str, ImageSet]:
    """The ``digits`` source: :func:`~trustcnn.data.glyph_task.make_glyph_task` over
    :func:`load_digit_glyphs` (same keyword arguments)."""
    return make_glyph_task(load_digit_glyphs, **kwargs)


def _load(data: DataConfig) -> SourceData:
    return glyph_source(load_digit_glyphs, data)


SOURCE = DataSource("digits", _load)
