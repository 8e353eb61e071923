"""A trained model on a whole split, in batches: predictions, saliency maps, the sanity
check's maps and predictions on the decoy views — what the saliency stage stores.

The split is read batch by batch through a ``DataLoader`` (it may be memory-mapped), in
its stored order; under torch.distributed each rank computes every ``world``-th batch and
every rank ends with the whole result (only rank 0 writes it)."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

import numpy as np
import torch
from torch import Tensor, nn

from trustcnn.batches import SplitData, distributed, round_robin
from trustcnn.config import SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.data.decoy_views import decoy_colours
from trustcnn.models import SplitNet
from trustcnn.runtime.ondisk import Filler, allocate
from trustcnn.saliency import get_method

SANITY = "sanity"
"""The key of the sanity check's maps (``saliency.method`` on the re-initialised model)."""


def _per_batch(
    model: SplitNet,
    data: SplitData,
    batch_size: int,
    workers: int,
    compute: Callable[[Tensor], Tensor],
    memory_budget_mb: float = float("inf"),
) -> np.ndarray:
    """``compute`` on each batch of images, float32 on the CPU, gathered in order — in a
    memory-mapped temporary file when the whole exceeds ``memory_budget_mb``."""
    device = next(model.parameters()).device
    filler = None
    for index, _, batch in round_robin(data, batch_size, workers):
        local = None if batch is None else compute(batch.x.to(device)).detach().float()
        rows = distributed.share(local, index, device).cpu().numpy()
        filler = filler or Filler(allocate((len(data), *rows.shape[1:]), np.float32, memory_budget_mb))
        filler.add(rows)
    assert filler is not None, "no images to compute on"
    return filler.done()


def probabilities(model: SplitNet, images: SplitData, batch_size: int, workers: int = 0) -> np.ndarray:
    """Softmax outputs ``[N, K]`` (float32)."""
    with torch.no_grad():
        return _per_batch(model, images, batch_size, workers, lambda x: torch.softmax(model(x), dim=1))


def penultimate_features(
    model: SplitNet, images: SplitData, batch_size: int, workers: int = 0, memory_budget_mb: float = float("inf")
) -> np.ndarray:
    """What the classifier's last linear layer reads, ``[N, d]`` (float32): the pooled output
    of the trust layer in the transfer models, VGG-16's 4096-d fc7. One forward pass."""
    linear = [module for module in model.head.modules() if isinstance(module, nn.Linear)]
    if not linear:
        raise ValueError("the model's head has no linear layer whose input could be its features")
    read: list[Tensor] = []
    handle = linear[-1].register_forward_pre_hook(lambda _, inputs: read.append(inputs[0]))

    def features(x: Tensor) -> Tensor:
        model(x)
        return read.pop()

    try:
        with torch.no_grad():
            return _per_batch(model, images, batch_size, workers, features, memory_budget_mb)
    finally:
        handle.remove()


def saliency_maps(
    model: SplitNet, images: SplitData, method: str, batch_size: int, workers: int = 0, memory_budget_mb: float = float("inf")
) -> np.ndarray:
    """The registered ``method``'s maps for the predicted classes, ``[N, h, w]`` in [0, 1]."""
    attribute = get_method(method)
    return _per_batch(model, images, batch_size, workers, lambda x: attribute(model, model.cam_layer, x), memory_budget_mb)


def reinitialised(model: SplitNet, seed: int) -> SplitNet:
    """A copy with its trainable layer re-initialised (Adebayo et al.'s sanity check)."""
    copy = deepcopy(model)
    torch.manual_seed(seed)
    for module in copy.cam_layer.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()  # type: ignore[operator]  # nn.Module.__getattr__ is typed Tensor | Module
    return copy


def posthoc(model: SplitNet, test: ImageSet, config: SaliencyConfig) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(maps, predictions)`` for the test split.

    ``maps``: one array per method (``config.method`` and each of ``extra_methods``), keyed
    by method name, and :data:`SANITY`. ``predictions``: ``predictions`` and
    ``probabilities`` and, when the images carry decoys, ``predictions_consistent`` /
    ``predictions_swapped`` on those views (:mod:`trustcnn.data.decoy_views`;
    ``predictions`` is the random view)."""
    data, size, workers, budget = SplitData.of(test), config.batch_size, config.workers, config.memory_budget_mb
    probs = probabilities(model, data, size, workers)
    methods = dict.fromkeys([config.method, *config.extra_methods])
    maps = {method: saliency_maps(model, data, method, size, workers, budget) for method in methods}
    maps[SANITY] = saliency_maps(reinitialised(model, config.seed), data, config.method, size, workers, budget)
    predictions = {"predictions": probs.argmax(axis=1).astype(np.int64), "probabilities": probs}
    if test.has_decoys:
        for view, colours in decoy_colours(test, config.seed).items():
            view_probs = probabilities(model, SplitData.of(test, repaint_colours=colours), size, workers)
            predictions[f"predictions_{view}"] = view_probs.argmax(axis=1).astype(np.int64)
    return maps, predictions
