"""Which class each image's map explains."""

from __future__ import annotations

import torch
from torch import Tensor

Target = Tensor | int | None


def resolve_target(logits: Tensor, target: Target) -> Tensor:
    """Class indices [B]: the argmax of ``logits`` for ``None``, one class for all for an
    int (or 0-d tensor), else a LongTensor [B] checked against the logits' shape."""
    batch, classes = logits.shape
    if target is None:
        return logits.detach().argmax(dim=1)
    target = torch.as_tensor(target, dtype=torch.long, device=logits.device)
    if target.ndim == 0:
        target = target.expand(batch)
    if target.shape != (batch,):
        raise ValueError(f"target must be an int or a tensor of shape ({batch},), got shape {tuple(target.shape)}")
    if bool(((target < 0) | (target >= classes)).any()):
        raise ValueError(f"target classes must lie in [0, {classes}), got {target.tolist()}")
    return target
