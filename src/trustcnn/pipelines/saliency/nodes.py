"""Post-hoc saliency maps for every test image, and the model's predictions."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import numpy as np
import torch

from trustcnn.config import SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.data.decoy_views import decoy_views
from trustcnn.models import SplitNet, from_checkpoint
from trustcnn.saliency import get_method
from trustcnn.training import default_device, to_tensors


def _batches(net: SplitNet, images: ImageSet, batch_size: int):
    device = next(net.parameters()).device
    for batch in to_tensors(images).batches(batch_size):
        yield batch.x.to(device)


def _probabilities(net: SplitNet, images: ImageSet, batch_size: int) -> np.ndarray:
    with torch.no_grad():
        chunks = [torch.softmax(net(x), dim=1).cpu() for x in _batches(net, images, batch_size)]
    return torch.cat(chunks).numpy().astype(np.float32)


def _maps(net: SplitNet, images: ImageSet, method_name: str, batch_size: int) -> np.ndarray:
    method = get_method(method_name)
    chunks = [method(net, net.cam_layer, x).cpu() for x in _batches(net, images, batch_size)]
    return torch.cat(chunks).numpy().astype(np.float32)


def _reinitialised(net: SplitNet, seed: int) -> SplitNet:
    """The model with its trainable layer re-initialised (Adebayo et al.'s sanity check)."""
    copy = deepcopy(net)
    torch.manual_seed(seed)
    for module in copy.cam_layer.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    return copy


def compute_saliency(model: dict[str, Any], test_set: ImageSet, saliency: SaliencyConfig) -> dict[str, np.ndarray]:
    """``maps`` (``saliency.method`` for the predicted class, in [0, 1]), ``predictions``,
    ``probabilities``, ``sanity_maps`` (the same method on the model with its trainable layer
    re-initialised), ``maps_<method>`` for each of ``saliency.extra_methods`` and, when the
    test images carry decoys, ``predictions_consistent`` / ``predictions_swapped`` on those
    views of them (:mod:`trustcnn.data.decoy_views`; ``predictions`` is the random view)."""
    net = from_checkpoint(model).to(default_device())
    probabilities = _probabilities(net, test_set, saliency.batch_size)
    outputs = {
        "maps": _maps(net, test_set, saliency.method, saliency.batch_size),
        "predictions": probabilities.argmax(axis=1).astype(np.int64),
        "probabilities": probabilities,
        "sanity_maps": _maps(_reinitialised(net, saliency.seed), test_set, saliency.method, saliency.batch_size),
    }
    for method in saliency.extra_methods:
        if method != saliency.method:
            outputs[f"maps_{method}"] = _maps(net, test_set, method, saliency.batch_size)
    if test_set.has_decoys:
        for view, images in decoy_views(test_set, saliency.seed).items():
            if view != "random":
                outputs[f"predictions_{view}"] = _probabilities(net, images, saliency.batch_size).argmax(axis=1).astype(np.int64)
    return outputs
