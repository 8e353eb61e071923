"""Knowing when not to trust a prediction (Wu et al. 2019): hidden-unit conductance and
weight-perturbation stability as features of a "this prediction is wrong" detector, their
combination, and the max-softmax baseline."""

from trustcnn.detection.conductance import layer_conductance, unit_conductance
from trustcnn.detection.detectors import DETECTORS, Detectors, Features, fit_detectors
from trustcnn.detection.features import prediction_features
from trustcnn.detection.performance import accuracy_kept, auroc, detector_report, risk_coverage
from trustcnn.detection.protocol import Detection, Scored, detect_errors, score, stored_features
from trustcnn.detection.stability import prediction_stability

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
    "risk_coverage",
    "score",
    "stored_features",
    "unit_conductance",
]
