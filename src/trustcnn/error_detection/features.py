"""The features every detector reads, for one model on one split."""

from __future__ import annotations

import numpy as np
import torch

from trustcnn.batches import SplitData, batches
from trustcnn.config import ErrorDetectionConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection.conductance import unit_conductance
from trustcnn.error_detection.detectors import Features
from trustcnn.error_detection.stability import PerturbedSuffixes
from trustcnn.models import SplitNet


def prediction_features(model: SplitNet, images: ImageSet | SplitData, labels: np.ndarray, config: ErrorDetectionConfig) -> Features:
    """Conductance, stability and max-softmax of ``model``'s predictions on ``images`` (an
    ImageSet, or a :class:`~trustcnn.batches.SplitData` of float images in [0, 1] such as
    adversarial examples), batch by batch in order: memory stays bounded by the batch."""
    data = SplitData.of(images) if isinstance(images, ImageSet) else images
    device = next(model.parameters()).device
    perturbed = PerturbedSuffixes(model, samples=config.stability_samples, sigma=config.stability_sigma, seed=config.seed)
    conductance, stability, probabilities = [], [], []
    for batch in batches(data, config.batch_size, shard=False):
        x = batch.x.to(device)
        with torch.no_grad():
            features = model.features(x)
            probs = torch.softmax(model.suffix(features), dim=1)
        predicted = probs.argmax(dim=1)
        conductance.append(unit_conductance(model, model.cam_layer, x, predicted, config.conductance_steps).cpu())
        stability.append(perturbed.agreement(features, predicted).cpu())
        probabilities.append(probs.cpu())
    probs = torch.cat(probabilities)
    return Features(
        conductance=torch.cat(conductance).numpy(),
        stability=torch.cat(stability).numpy(),
        max_softmax=probs.max(dim=1).values.numpy(),
        wrong=probs.argmax(dim=1).numpy() != np.asarray(labels),
    )
