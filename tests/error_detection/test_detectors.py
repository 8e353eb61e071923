"""The detectors: what each reads, fitting on one split and scoring another, the protocol."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.batches import to_tensors
from trustcnn.config import ErrorDetectionConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import DETECTORS, Features, auroc, detect_errors, fit_detectors, score, stored_features


def _features(seed: int, n: int = 300) -> Features:
    """Wrong predictions shift conductance unit 0 and lower stability; unit 1 is noise."""
    rng = np.random.default_rng(seed)
    wrong = rng.random(n) < 0.25
    conductance = np.column_stack([wrong * 1.5 + rng.normal(0, 1, n), rng.normal(0, 1, n)])
    stability = np.clip(1 - 0.3 * wrong - rng.random(n) * 0.5, 0, 1)
    return Features(conductance, stability, rng.random(n), wrong)


def test_learnt_detectors_find_the_signal_on_data_they_were_not_fitted_on() -> None:
    detectors = fit_detectors(_features(0))
    held_out = _features(1)
    scores = detectors.scores(held_out)
    assert set(scores) == set(DETECTORS)
    assert auroc(held_out.wrong, scores["conductance"]) > 0.75
    assert auroc(held_out.wrong, scores["stability"]) > 0.6
    assert auroc(held_out.wrong, scores["max_softmax"]) == pytest.approx(0.5, abs=0.1)  # pure noise here
    # the combined model stacks the conductance log-odds, stability and max-softmax: both signals
    assert auroc(held_out.wrong, scores["combined"]) > auroc(held_out.wrong, scores["conductance"])
    assert detectors.combined[-1].coef_.shape == (1, 3)


def test_too_few_wrong_predictions_leave_the_learnt_detectors_unfitted_with_a_reason() -> None:
    features = _features(0)
    only_one_wrong = Features(features.conductance, features.stability, features.max_softmax, np.eye(1, 300, 5, dtype=bool)[0])
    detectors = fit_detectors(only_one_wrong)
    assert detectors.conductance is None and detectors.combined is None
    assert "1 wrong and 299 right" in detectors.note
    assert detectors.scores(features)["combined"] is None


def test_features_round_trip_through_arrays() -> None:
    arrays = {**_features(2).to_arrays("val"), **_features(3).to_arrays("test")}
    val, test = stored_features(arrays)
    np.testing.assert_array_equal(val.conductance, _features(2).conductance)
    np.testing.assert_array_equal(test.wrong, _features(3).wrong)


def test_val_protocol_fits_on_val_and_scores_test_and_aligned_sets() -> None:
    val, test, aligned = _features(0), _features(1), _features(2)
    scored = score(val, test, ErrorDetectionConfig(fit_on="val"), aligned)
    expected = fit_detectors(val).scores(test)
    np.testing.assert_allclose(scored.test["combined"], expected["combined"])
    np.testing.assert_allclose(scored.aligned[0]["conductance"], fit_detectors(val).scores(aligned)["conductance"])


def test_crossfit_scores_each_fold_with_detectors_that_never_saw_it() -> None:
    test, aligned = _features(1), _features(2)
    config = ErrorDetectionConfig(fit_on="test_crossfit", folds=4, seed=7)
    scored = score(_features(0), test, config, aligned)
    assert scored.note is None and len(scored.aligned) == 1
    # refit fold by fold by hand: same folds, same detectors, same out-of-fold scores
    from sklearn.model_selection import StratifiedKFold

    for fit, held_out in StratifiedKFold(4, shuffle=True, random_state=7).split(test.conductance, test.wrong):
        detectors = fit_detectors(test.rows(fit), seed=7)
        np.testing.assert_allclose(scored.test["conductance"][held_out], detectors.scores(test.rows(held_out))["conductance"])
        np.testing.assert_allclose(scored.aligned[0]["combined"][held_out], detectors.scores(aligned.rows(held_out))["combined"])
    # out-of-fold, the learnt detectors still find the signal
    assert auroc(test.wrong, scored.test["conductance"]) > 0.75


def _image_set(seed: int, n: int = 40) -> ImageSet:
    rng = np.random.default_rng(seed)
    images = (rng.random((n, 32, 32, 3)) * 255 * rng.random((n, 1, 1, 3))).astype(np.uint8)
    return ImageSet(images, rng.integers(0, 3, n), ("a", "b", "c"))


def test_protocol_fits_on_val_scores_on_test_and_is_deterministic(split_net) -> None:
    config = ErrorDetectionConfig(conductance_steps=2, stability_samples=3, stability_sigma=0.5, batch_size=16)
    val, test = _image_set(0), _image_set(1)
    first = detect_errors(split_net, val, test, config, n_resamples=50, seed=0)
    second = detect_errors(split_net, val, test, config, n_resamples=50, seed=0)
    assert first.report == second.report
    assert set(first.report) == set(DETECTORS)
    assert first.val.conductance.shape == (40, 8) and first.test.conductance.shape == (40, 8)
    predictions = split_net(to_tensors(test).x).argmax(1).numpy()
    np.testing.assert_array_equal(first.test.wrong, predictions != test.labels)
    for name in DETECTORS:
        value = first.report[name]["auroc"]["value"]
        assert 0.0 <= value <= 1.0
