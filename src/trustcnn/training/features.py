"""The frozen-prefix feature cache.

The backbone never trains during baseline or trust training (paper §3.2), so its output
for every image can be computed once; each epoch then runs only the trainable suffix.
Valid whenever the saliency method needs nothing below the trainable layer — true for
Grad-CAM, false for Guided Grad-CAM (it backpropagates to the input).

Every trust variant and grid point starts from the same frozen backbone, so the features of
a split are built once per process and reused (:func:`shared_features`), keyed by the
content of the backbone's weights and of the images — never by object identity, since each
Kedro node loads its own copy of both.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import torch
from torch import nn

from trustcnn.models import SplitNet
from trustcnn.training.tensors import TensorSet

MAX_SHARED = 4  # splits kept (e.g. train and val of the target task, and of the no-decoy data)
_shared: OrderedDict[tuple[str, str, str, int], TensorSet] = OrderedDict()


@torch.no_grad()
def cache_features(model: SplitNet, data: TensorSet, batch_size: int = 256) -> TensorSet:
    model.eval()
    device = next(model.parameters()).device
    chunks = [model.features(batch.x.to(device)).cpu() for batch in data.batches(batch_size)]
    return data.with_x(torch.cat(chunks))


def _digest(tensors: list[torch.Tensor], structure: str = "") -> str:
    digest = hashlib.blake2b(structure.encode(), digest_size=16)
    for tensor in tensors:
        digest.update(str((tuple(tensor.shape), tensor.dtype)).encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _module_digest(module: nn.Module) -> str:
    return _digest(list(module.state_dict().values()), structure=repr(module))


def shared_features(model: SplitNet, data: TensorSet, batch_size: int = 256) -> TensorSet:
    """:func:`cache_features`, built once per (backbone weights, images, batch size) in this
    process and reused by every later call — labels and masks come from ``data``."""
    key = (_module_digest(model.prefix), _digest([data.x]), str(next(model.parameters()).device), batch_size)
    if key in _shared:
        _shared.move_to_end(key)
        return data.with_x(_shared[key].x)
    features = cache_features(model, data, batch_size)
    _shared[key] = features
    while len(_shared) > MAX_SHARED:
        _shared.popitem(last=False)
    return features


def clear_shared() -> None:
    """Forget every shared feature cache (frees its memory)."""
    _shared.clear()
