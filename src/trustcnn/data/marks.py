"""People's marks on training images: what a person said a model must not use (or the object
it should use), the raw material of human masks (explanatory interactive learning, Teso &
Kersting 2019; Schramowski et al. 2020).

The annotation task of the study server stores marks and reads them back as :class:`Mark`;
the ``human_masks`` step combines every person's marks of an image into one mask the trust
losses can train on; the budget benchmark's simulated annotators produce the same type, so a
simulated mark and a person's are interchangeable downstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

MarkKind = Literal["avoid", "object"]
"""``avoid``: the regions the model must not use (e.g. a decoy); ``object``: what it should use."""


@dataclass(frozen=True)
class Mark:
    """One person's marks on one image: the last submission of ``participant_id`` for ``item_id``.

    ``mask`` is boolean ``[H, W]`` at the split's image resolution (pixels), ``True`` where the
    person marked; a grid cell the person toggled covers its pixels exactly. ``split`` and
    ``index`` name the image (its row in that split, e.g. ``train``)."""

    participant_id: str
    item_id: str
    split: str
    index: int
    kind: MarkKind
    mask: np.ndarray

    def __post_init__(self) -> None:
        if self.mask.ndim != 2 or self.mask.dtype != np.bool_:
            raise ValueError(f"a mark's mask is a boolean [H, W] array, got {self.mask.dtype} {self.mask.shape}")
        if self.kind not in ("avoid", "object"):
            raise ValueError(f"a mark's kind is 'avoid' or 'object', got {self.kind!r}")
