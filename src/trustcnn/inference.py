"""A trained model on a whole split, in batches: predictions, saliency maps, the sanity
check's maps and predictions on the decoy views — what the saliency stage stores."""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy

import numpy as np
import torch
from torch import Tensor

from trustcnn.config import SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.data.decoy_views import decoy_views
from trustcnn.models import SplitNet
from trustcnn.saliency import get_method
from trustcnn.training import to_tensors

SANITY = "sanity"
"""The key of the sanity check's maps (``saliency.method`` on the re-initialised model)."""


def _batches(model: SplitNet, images: ImageSet, batch_size: int) -> Iterator[Tensor]:
    device = next(model.parameters()).device
    for batch in to_tensors(images).batches(batch_size):
        yield batch.x.to(device)


def probabilities(model: SplitNet, images: ImageSet, batch_size: int) -> np.ndarray:
    """Softmax outputs ``[N, K]`` (float32)."""
    with torch.no_grad():
        chunks = [torch.softmax(model(x), dim=1).cpu() for x in _batches(model, images, batch_size)]
    return torch.cat(chunks).numpy().astype(np.float32)


def saliency_maps(model: SplitNet, images: ImageSet, method: str, batch_size: int) -> np.ndarray:
    """The registered ``method``'s maps for the predicted classes, ``[N, h, w]`` in [0, 1]."""
    attribute = get_method(method)
    chunks = [attribute(model, model.cam_layer, x).cpu() for x in _batches(model, images, batch_size)]
    return torch.cat(chunks).numpy().astype(np.float32)


def reinitialised(model: SplitNet, seed: int) -> SplitNet:
    """A copy with its trainable layer re-initialised (Adebayo et al.'s sanity check)."""
    copy = deepcopy(model)
    torch.manual_seed(seed)
    for module in copy.cam_layer.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    return copy


def posthoc(model: SplitNet, test: ImageSet, config: SaliencyConfig) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(maps, predictions)`` for the test split.

    ``maps``: one array per method (``config.method`` and each of ``extra_methods``), keyed
    by method name, and :data:`SANITY`. ``predictions``: ``predictions`` and
    ``probabilities`` and, when the images carry decoys, ``predictions_consistent`` /
    ``predictions_swapped`` on those views (:mod:`trustcnn.data.decoy_views`;
    ``predictions`` is the random view)."""
    probs = probabilities(model, test, config.batch_size)
    maps = {method: saliency_maps(model, test, method, config.batch_size) for method in dict.fromkeys([config.method, *config.extra_methods])}
    maps[SANITY] = saliency_maps(reinitialised(model, config.seed), test, config.method, config.batch_size)
    predictions = {"predictions": probs.argmax(axis=1).astype(np.int64), "probabilities": probs}
    if test.has_decoys:
        for view, images in decoy_views(test, config.seed).items():
            if view != "random":
                predictions[f"predictions_{view}"] = probabilities(model, images, config.batch_size).argmax(axis=1).astype(np.int64)
    return maps, predictions
