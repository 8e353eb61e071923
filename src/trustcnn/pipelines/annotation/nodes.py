"""The annotation task's package: which training images people are asked to mark, with one
model's map, blinded; its key kept apart; its registration in the marks database."""

from __future__ import annotations

from typing import Any

import numpy as np

from trustcnn.config import AnnotationConfig, ErrorDetectionConfig, SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.pipelines import by_model
from trustcnn.user_study.annotation.package import annotation_package
from trustcnn.user_study.package import StudyPackage


def sample_annotation(
    train_set: ImageSet,
    annotation: AnnotationConfig,
    saliency: SaliencyConfig,
    error_detection: ErrorDetectionConfig,
    **outputs: dict[str, Any] | dict[str, np.ndarray],
) -> tuple[StudyPackage, dict[str, Any], dict[str, Any]]:
    """The package (served by ``trustcnn study serve --task annotate``), its key (never
    served) and its registration in the marks database; ``outputs`` are every model's
    ``model_`` checkpoint and ``detection_features_`` (``annotation.model`` picks one)."""
    package = annotation_package(
        train_set,
        by_model(outputs, "model"),
        by_model(outputs, "detection_features"),
        annotation,
        saliency=saliency,
        error_detection=error_detection,
    )
    return package, package.key, {"study_id": package.key["study_id"], "n_items": len(package.key["items"])}
