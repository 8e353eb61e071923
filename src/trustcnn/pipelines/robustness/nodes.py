"""Attack a model: accuracy under FGSM and PGD, how its maps move, whether the detectors flag it."""

from __future__ import annotations

from typing import Any

import numpy as np

from trustcnn.batches import default_device
from trustcnn.config import ErrorDetectionConfig, EvaluationConfig, RobustnessConfig, SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import stored_features
from trustcnn.models import from_checkpoint
from trustcnn.robustness import robustness as robustness_report


def attack_model(
    model: dict[str, Any],
    test_set: ImageSet,
    detection_features: dict[str, np.ndarray],
    robustness: RobustnessConfig,
    error_detection: ErrorDetectionConfig,
    saliency: SaliencyConfig,
    evaluation: EvaluationConfig,
) -> dict[str, dict]:
    """Per attack and ε: accuracy, SSIM of the maps clean vs adversarial, energy in mask; on the
    strongest PGD, each detector's AUROC at flagging the adversarial images."""
    net = from_checkpoint(model).to(default_device())
    val, clean = stored_features(detection_features)
    return robustness_report(
        net,
        test_set,
        val,
        clean,
        robustness,
        error_detection,
        saliency.method,
        n_resamples=evaluation.n_resamples,
        seed=evaluation.seed,
    )
