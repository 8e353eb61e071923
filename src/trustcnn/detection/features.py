"""The features every detector reads, for one model on one split."""

from __future__ import annotations

import numpy as np
import torch

from trustcnn.config import ErrorDetectionConfig
from trustcnn.data import ImageSet
from trustcnn.detection.conductance import unit_conductance
from trustcnn.detection.detectors import Features
from trustcnn.detection.stability import prediction_stability
from trustcnn.models import SplitNet
from trustcnn.training import to_tensors


def prediction_features(model: SplitNet, images: ImageSet | torch.Tensor, labels: np.ndarray, config: ErrorDetectionConfig) -> Features:
    """Conductance, stability and max-softmax of ``model``'s predictions on ``images`` (an
    ImageSet, or a float tensor ``[N, 3, H, W]`` in [0, 1] such as adversarial examples)."""
    x = to_tensors(images).x if isinstance(images, ImageSet) else images
    device = next(model.parameters()).device
    conductance, features, probabilities = [], [], []
    for start in range(0, len(x), config.batch_size):
        batch = x[start : start + config.batch_size].to(device)
        with torch.no_grad():
            features.append(model.features(batch))
            probabilities.append(torch.softmax(model.suffix(features[-1]), dim=1))
        conductance.append(unit_conductance(model, model.cam_layer, batch, probabilities[-1].argmax(1), config.conductance_steps))
    features_all, probs = torch.cat(features), torch.cat(probabilities)
    predictions = probs.argmax(dim=1)
    stability = prediction_stability(
        model, features_all, predictions, samples=config.stability_samples, sigma=config.stability_sigma, seed=config.seed
    )
    return Features(
        conductance=torch.cat(conductance).cpu().numpy(),
        stability=stability.cpu().numpy(),
        max_softmax=probs.max(dim=1).values.cpu().numpy(),
        wrong=predictions.cpu().numpy() != np.asarray(labels),
    )
