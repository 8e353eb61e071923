"""The frozen-prefix feature cache.

The backbone never trains during baseline or trust training (paper §3.2), so its output
for every image can be computed once; each epoch then runs only the trainable suffix.
Valid whenever the saliency method needs nothing below the trainable layer — true for
Grad-CAM, false for Guided Grad-CAM (it backpropagates to the input).

Every trust variant and grid point starts from the same frozen backbone, so the features of
a split are built once per process and reused (:func:`shared_features`), keyed by the
content of the backbone's weights and of the images — never by object identity, since each
Kedro node loads its own copy of both.

Features that would not fit ``memory_budget_mb`` go to an unlinked temporary file, memory-
mapped (freed when the last reference goes); under torch.distributed each rank computes
every ``world``-th batch and the ranks exchange them, so every rank holds the whole cache.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import numpy as np
import torch
from torch import Tensor, nn

from trustcnn.batches import distributed
from trustcnn.batches.tensors import SplitData, round_robin
from trustcnn.models import SplitNet
from trustcnn.runtime.ondisk import Filler, blocks, spill

MAX_SHARED = 4  # splits kept (e.g. train and val of the target task, and of the no-decoy data)
_shared: OrderedDict[tuple[str, str, str, int], Tensor | np.ndarray] = OrderedDict()


@torch.no_grad()
def cache_features(model: SplitNet, data: SplitData, batch_size: int = 256, memory_budget_mb: float = 256, workers: int = 0) -> SplitData:
    """``data`` with ``model``'s prefix output for each image as its inputs: a tensor, or a
    memory-mapped array where the whole would exceed ``memory_budget_mb``."""
    model.eval()
    device = next(model.parameters()).device
    store: Filler | None = None
    chunks: list[Tensor] = []
    for index, _, batch in round_robin(data, batch_size, workers):
        local = None if batch is None else model.features(batch.x.to(device))
        chunk = distributed.share(local, index, device).cpu()
        if index == 0 and len(data) * chunk[0].numel() * chunk.element_size() > memory_budget_mb * 2**20:
            store = Filler(spill((len(data), *chunk.shape[1:]), chunk.numpy().dtype))
        if store is not None:
            store.add(chunk.numpy())
        else:
            chunks.append(chunk)
    return data.with_x(store.done() if store is not None else torch.cat(chunks))


def _digest(tensors: list[Tensor | np.ndarray], structure: str = "", chunk: int = 1 << 24) -> str:
    digest = hashlib.blake2b(structure.encode(), digest_size=16)
    for tensor in tensors:
        digest.update(str((tuple(tensor.shape), tensor.dtype)).encode())
        if isinstance(tensor, Tensor):
            flat = tensor.reshape(-1)
            for start in range(0, len(flat), chunk):
                digest.update(flat[start : start + chunk].detach().cpu().contiguous().view(torch.uint8).numpy().data)
        else:  # in blocks, its pages dropped: a memory-mapped split stays on disk
            for _, block in blocks(tensor.reshape(-1), chunk):
                digest.update(np.ascontiguousarray(block).view(np.uint8).data)
    return digest.hexdigest()


def _module_digest(module: nn.Module) -> str:
    return _digest(list(module.state_dict().values()), structure=repr(module))


def shared_features(model: SplitNet, data: SplitData, batch_size: int = 256, memory_budget_mb: float = 256, workers: int = 0) -> SplitData:
    """:func:`cache_features`, built once per (backbone weights, images, batch size) in this
    process and reused by every later call — labels and masks come from ``data``."""
    key = (_module_digest(model.prefix), _digest([data.x]), str(next(model.parameters()).device), batch_size)
    if key in _shared:
        _shared.move_to_end(key)
        return data.with_x(_shared[key])
    features = cache_features(model, data, batch_size, memory_budget_mb, workers)
    _shared[key] = features.x
    while len(_shared) > MAX_SHARED:
        _shared.popitem(last=False)
    return features


def clear_shared() -> None:
    """Forget every shared feature cache (frees its memory)."""
    _shared.clear()
