"""Occlusion (Zeiler & Fergus, 2014): what happens to the class score when a patch is hidden.

Forward passes only — no gradient, so no trust loss can shape it. Slower than the gradient
methods (one forward pass per window position), so it is not in the default
``saliency.extra_methods``; add it there for the most direct untrained witness of where a
model looks (README: its decoy shares on the default data).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trustcnn.saliency.base import SaliencyMethod
from trustcnn.saliency.postprocess import normalise_per_image
from trustcnn.saliency.targets import Target, resolve_target


def _starts(size: int, window: int, stride: int) -> range:
    """Window offsets ``0, stride, …`` until one reaches the border; the last may be cut
    off there (Captum's placement)."""
    return range(0, (-(-(size - window) // stride) + 1) * stride, stride)


class Occlusion(SaliencyMethod):
    """Per pixel, the mean drop of the target logit over the ``window``² squares (all
    channels set to ``fill``) that cover it — Captum's ``Occlusion`` with ``baselines=fill``;
    the positive part (hiding the pixel lowers the score), normalised per image to [0, 1],
    ``[B, H, W]``. ``layer`` is unused; there is no gradient, so ``create_graph`` must be False."""

    name = "occlusion"
    differentiable = False

    def __init__(self, window: int = 5, stride: int = 3, fill: float = 0.5) -> None:
        if window < 1 or stride < 1:
            raise ValueError(f"occlusion needs window >= 1 and stride >= 1, got {window}, {stride}")
        self.window, self.stride, self.fill = window, stride, fill

    @torch.no_grad()
    def attribute(self, model: nn.Module, layer: nn.Module | None, x: Tensor, target: Target = None, create_graph: bool = False) -> Tensor:
        if create_graph:
            raise ValueError("occlusion has no gradient to train through; choose gradcam or guided_gradcam for a loss")
        height, width = x.shape[-2:]
        window = self.window
        if window > min(height, width):
            raise ValueError(f"occlusion window {window} is larger than the {height}×{width} input")
        logits = model(x)
        target = resolve_target(logits, target)
        score = logits.gather(1, target[:, None])[:, 0]
        total = torch.zeros(x.shape[0], height, width, dtype=x.dtype, device=x.device)
        count = torch.zeros(height, width, dtype=x.dtype, device=x.device)
        for top in _starts(height, window, self.stride):
            for left in _starts(width, window, self.stride):
                hidden = x.clone()
                hidden[..., top : top + window, left : left + window] = self.fill
                drop = score - model(hidden).gather(1, target[:, None])[:, 0]
                total[:, top : top + window, left : left + window] += drop[:, None, None]
                count[top : top + window, left : left + window] += 1
        return normalise_per_image((total / count).clamp(min=0))


occlusion = Occlusion()
