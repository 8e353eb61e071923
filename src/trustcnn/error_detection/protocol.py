"""The error-detection protocol for one model: where the learnt detectors are fitted, and
which predictions they score.

- ``fit_on: test_crossfit`` (default): the test split is cut into ``folds`` stratified folds;
  each fold's predictions are scored by detectors fitted on the other folds. Every test
  prediction is scored by a detector that never saw it, on the same distribution.
- ``fit_on: val``: fitted on the validation split, scored on the test split. On data whose
  test distribution differs from the validation split's (the decoy default: the decoy is
  informative in val and random in test) the detectors then learn the wrong kind of error,
  and a validation split with few errors leaves them little to learn from.

Images aligned with the test rows (the same test images attacked) are scored by the same
fold's detectors, so no detector scores an attacked copy of an image it was fitted on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from trustcnn.config import ErrorDetectionConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection.detectors import DETECTORS, Features, fit_detectors, too_few
from trustcnn.error_detection.features import prediction_features
from trustcnn.error_detection.performance import detector_report
from trustcnn.models import SplitNet

Scores = Mapping[str, np.ndarray | None]


@dataclass(frozen=True)
class Scored:
    """Each detector's scores of the test predictions and of every aligned set; ``note``
    says why the learnt detectors have none (``None`` scores) when they don't."""

    test: Scores
    aligned: Sequence[Scores]
    note: str | None = None


def _crossfit(test: Features, aligned: tuple[Features, ...], folds: int, seed: int) -> Scored:
    note = too_few(test.wrong)
    if note is not None:
        detectors = fit_detectors(test, seed)
        return Scored(detectors.scores(test), [detectors.scores(a) for a in aligned], note)
    wrong = test.wrong.astype(bool)
    folds = min(folds, int(min(wrong.sum(), (~wrong).sum())))
    scores = [{name: np.empty(len(test)) for name in DETECTORS} for _ in range(1 + len(aligned))]
    for fit, held_out in StratifiedKFold(folds, shuffle=True, random_state=seed).split(test.conductance, wrong):
        detectors = fit_detectors(test.rows(fit), seed)
        for target, rows in zip(scores, (test, *aligned)):
            for name, values in detectors.scores(rows.rows(held_out)).items():
                target[name][held_out] = values
    return Scored(scores[0], scores[1:])


def score(val: Features, test: Features, config: ErrorDetectionConfig, *aligned: Features) -> Scored:
    """Every detector's scores of ``test`` and of each ``aligned`` set (rows matching
    ``test``'s), under ``config.fit_on``."""
    if config.fit_on == "test_crossfit":
        return _crossfit(test, aligned, config.folds, config.seed)
    detectors = fit_detectors(val, config.seed)
    return Scored(detectors.scores(test), [detectors.scores(a) for a in aligned], detectors.note)


@dataclass(frozen=True)
class Detection:
    """The report, each detector's test scores, and the features of both splits (kept so
    the detectors can be fitted again, e.g. to score adversarial images)."""

    report: dict[str, dict]
    scores: Scores
    val: Features
    test: Features

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.val.to_arrays("val"), **self.test.to_arrays("test")}


def stored_features(arrays: dict[str, np.ndarray]) -> tuple[Features, Features]:
    """The validation and test features of :meth:`Detection.arrays`."""
    return Features.from_arrays(arrays, "val"), Features.from_arrays(arrays, "test")


def detect_errors(model: SplitNet, val: ImageSet, test: ImageSet, config: ErrorDetectionConfig, **kwargs) -> Detection:
    """Every detector on ``model``'s test predictions: AUROC and accuracy at
    ``config.coverage`` with 95% CIs (``kwargs``: ``n_resamples``, ``seed``)."""
    val_features = prediction_features(model, val, val.labels, config)
    test_features = prediction_features(model, test, test.labels, config)
    scored = score(val_features, test_features, config)
    report = detector_report(scored.test, test_features.wrong, coverage=config.coverage, note=scored.note, **kwargs)
    return Detection(report, scored.test, val_features, test_features)
