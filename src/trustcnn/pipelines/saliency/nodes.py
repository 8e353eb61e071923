"""Post-hoc saliency maps for every test image, and the model's predictions."""

from __future__ import annotations

from typing import Any

import numpy as np

from trustcnn.batches import default_device
from trustcnn.config import SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.models import from_checkpoint
from trustcnn.posthoc import posthoc


def compute_saliency(
    model: dict[str, Any], test_set: ImageSet, saliency: SaliencyConfig
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each method's maps and the sanity check's, and the predictions (also on the decoy
    views): :func:`trustcnn.posthoc.posthoc`."""
    return posthoc(from_checkpoint(model).to(default_device()), test_set, saliency)
