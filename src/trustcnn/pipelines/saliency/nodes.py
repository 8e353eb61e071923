"""Post-hoc saliency maps for every test image, and the model's predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from trustcnn.config import SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.models import from_checkpoint
from trustcnn.saliency import get_method
from trustcnn.training import default_device, to_tensors


def compute_saliency(model: dict[str, Any], test_set: ImageSet, saliency: SaliencyConfig) -> dict[str, np.ndarray]:
    """``maps`` (for the predicted class, in [0, 1]), ``predictions`` and ``probabilities``."""
    net = from_checkpoint(model).to(default_device())
    method = get_method(saliency.method)
    maps, probabilities = [], []
    for batch in to_tensors(test_set).batches(saliency.batch_size):
        x = batch.x.to(net.cam_layer[0].weight.device)
        with torch.no_grad():
            probabilities.append(torch.softmax(net(x), dim=1).cpu())
        maps.append(method(net, net.cam_layer, x).cpu())
    probs = torch.cat(probabilities).numpy()
    return {
        "maps": torch.cat(maps).numpy().astype(np.float32),
        "predictions": probs.argmax(axis=1).astype(np.int64),
        "probabilities": probs.astype(np.float32),
    }
