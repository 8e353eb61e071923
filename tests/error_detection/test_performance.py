"""AUROC, accuracy after discarding, risk–coverage, and their bootstrap CIs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from trustcnn.error_detection import accuracy_kept, auroc, detector_report
from trustcnn.metrics import risk_coverage


@pytest.mark.parametrize("seed", range(5))
def test_auroc_equals_scikit_learns_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    wrong = rng.random(200) < 0.3
    scores = np.round(rng.random(200) + 0.5 * wrong, 1)  # rounded: many ties
    assert auroc(wrong, scores) == pytest.approx(roc_auc_score(wrong, scores), abs=1e-12)


def test_auroc_is_vectorised_over_resamples_and_undefined_for_one_kind() -> None:
    wrong = np.array([[True, False, False, True], [True, True, True, True]])
    scores = np.array([[0.9, 0.1, 0.2, 0.8], [0.1, 0.2, 0.3, 0.4]])
    result = auroc(wrong, scores)
    assert result[0] == 1.0 and np.isnan(result[1])


def test_accuracy_kept_discards_the_highest_scores() -> None:
    wrong = np.array([False, False, True, False, True, False, False, False, False, True])
    scores = np.array([0.1, 0.2, 0.95, 0.3, 0.5, 0.4, 0.2, 0.1, 0.3, 0.6])
    # 90% coverage keeps 9: drops only the 0.95 (wrong) → 2 wrong of 9 left
    assert accuracy_kept(wrong, scores, 0.9) == pytest.approx(7 / 9)
    assert accuracy_kept(wrong, scores, 0.7) == pytest.approx(1.0)  # drops 0.95, 0.6, 0.5
    assert accuracy_kept(wrong, scores, 1.0) == pytest.approx(0.7)


def test_risk_coverage_ends_at_the_error_rate() -> None:
    wrong = np.array([True, False, False, True])
    coverage, risk = risk_coverage(wrong, np.array([0.9, 0.1, 0.2, 0.5]))
    np.testing.assert_allclose(coverage, [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(risk, [0.0, 0.0, 1 / 3, 0.5])


def test_report_has_cis_around_the_value_and_notes_unfitted_detectors() -> None:
    rng = np.random.default_rng(0)
    wrong = rng.random(300) < 0.2
    report = detector_report(
        {"good": wrong + rng.normal(0, 0.5, 300), "unfitted": None}, wrong, coverage=0.9, n_resamples=200, seed=0, note="too few"
    )
    good = report["good"]["auroc"]
    assert good["ci95"][0] <= good["value"] <= good["ci95"][1] and good["value"] > 0.75
    assert report["good"]["accuracy_at_coverage"]["value"] > 1 - wrong.mean()
    assert report["unfitted"] == {"note": "too few"}


def test_report_is_none_when_every_prediction_is_right() -> None:
    report = detector_report({"x": np.arange(10.0)}, np.zeros(10, bool), coverage=0.9, n_resamples=50, seed=0)
    assert report["x"]["auroc"] == {"value": None, "ci95": [None, None]}
