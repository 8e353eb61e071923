"""Detect a model's wrong predictions: conductance, stability, both, and max-softmax."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trustcnn import tracking
from trustcnn.batches import default_device
from trustcnn.config import ErrorDetectionConfig, EvaluationConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import detect_errors
from trustcnn.models import from_checkpoint
from trustcnn.plotting.trust_checks import risk_coverage_figure


def detect_model_errors(
    model: dict[str, Any],
    val_set: ImageSet,
    test_set: ImageSet,
    run: dict[str, str],
    error_detection: ErrorDetectionConfig,
    evaluation: EvaluationConfig,
    *,
    name: str = "model",
) -> tuple[dict[str, dict], Figure, dict[str, np.ndarray]]:
    """The detectors' report on the test predictions, the risk–coverage curves (also
    into the model's MLflow run), and the features of both splits (the robustness stage fits
    the detectors again from them)."""
    net = from_checkpoint(model).to(default_device())
    detection = detect_errors(net, val_set, test_set, error_detection, n_resamples=evaluation.n_resamples, seed=evaluation.seed)
    figure = risk_coverage_figure(detection.scores, detection.test.wrong, f"{name}: risk–coverage on the test split")
    tracking.log_model_figures(run, name, {"risk_coverage.png": figure})
    return detection.report, figure, detection.arrays()
