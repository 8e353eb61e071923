"""Post-hoc saliency maps for every test image, and the model's predictions."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import numpy as np
import torch

from trustcnn.config import SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.models import SplitNet, from_checkpoint
from trustcnn.saliency import get_method
from trustcnn.training import default_device, to_tensors


def _maps(net: SplitNet, test_set: ImageSet, method_name: str, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    method = get_method(method_name)
    device = next(net.parameters()).device
    maps, probabilities = [], []
    for batch in to_tensors(test_set).batches(batch_size):
        x = batch.x.to(device)
        with torch.no_grad():
            probabilities.append(torch.softmax(net(x), dim=1).cpu())
        maps.append(method(net, net.cam_layer, x).cpu())
    return torch.cat(maps).numpy().astype(np.float32), torch.cat(probabilities).numpy().astype(np.float32)


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
    re-initialised) and ``maps_<method>`` for each of ``saliency.extra_methods``."""
    net = from_checkpoint(model).to(default_device())
    maps, probabilities = _maps(net, test_set, saliency.method, saliency.batch_size)
    sanity_maps, _ = _maps(_reinitialised(net, saliency.seed), test_set, saliency.method, saliency.batch_size)
    extra = {f"maps_{m}": _maps(net, test_set, m, saliency.batch_size)[0] for m in saliency.extra_methods if m != saliency.method}
    return {
        "maps": maps,
        "predictions": probabilities.argmax(axis=1).astype(np.int64),
        "probabilities": probabilities,
        "sanity_maps": sanity_maps,
        **extra,
    }
