"""Knowing when not to trust a prediction (Wu et al. 2019): hidden-unit conductance and
weight-perturbation stability as features of a "this prediction is wrong" detector, their
combination, and the max-softmax baseline."""

from trustcnn.error_detection.conductance import layer_conductance, unit_conductance
from trustcnn.error_detection.detectors import DETECTORS, Detectors, Features, fit_detectors
from trustcnn.error_detection.features import prediction_features
from trustcnn.error_detection.performance import accuracy_kept, auroc, detector_report
from trustcnn.error_detection.protocol import Detection, Scored, detect_errors, score, stored_features
from trustcnn.error_detection.stability import prediction_stability

__all__ = [
    "DETECTORS",
    "Detection",
    "Detectors",
    "Features",
    "Scored",
    "accuracy_kept",
    "auroc",
    "detect_errors",
    "detector_report",
    "fit_detectors",
    "layer_conductance",
    "prediction_features",
    "prediction_stability",
    "score",
    "stored_features",
    "unit_conductance",
]
