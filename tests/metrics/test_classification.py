import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

from trustcnn.metrics.classification import _batched_scores, classification_metrics, confusion


def _predictions(n: int, num_classes: int, seed: int, skill: float = 0.7):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, num_classes, n)
    noise = rng.integers(0, num_classes, n)
    return y_true, np.where(rng.random(n) < skill, y_true, noise)


def _sklearn(y_true, y_pred, num_classes):
    macro = {"labels": list(range(num_classes)), "average": "macro", "zero_division": 0}
    return {
        "accuracy": accuracy_score(y_true, y_pred),
        "precision": precision_score(y_true, y_pred, **macro),
        "recall": recall_score(y_true, y_pred, **macro),
    }


def _values(result):
    return {name: record["value"] for name, record in result.items()}


def test_point_values_equal_sklearn_exactly():
    y_true, y_pred = _predictions(300, 5, seed=0)
    assert _values(classification_metrics(y_true, y_pred, 5)) == _sklearn(y_true, y_pred, 5)


def test_class_missing_from_predictions_and_labels():
    # Class 2 is never predicted (precision 0), class 3 never occurs at all.
    y_true = np.array([0, 0, 1, 1, 2, 2, 2, 0])
    y_pred = np.array([0, 1, 1, 1, 0, 1, 1, 0])
    result = classification_metrics(y_true, y_pred, 4)
    assert _values(result) == _sklearn(y_true, y_pred, 4)


def test_vectorised_statistic_matches_sklearn_per_resample():
    y_true, y_pred = _predictions(60, 4, seed=1)
    idx = np.random.default_rng(2).integers(0, 60, (7, 60))
    scores = _batched_scores(y_true[idx], y_pred[idx], 4, np.arange(4))
    for b in range(7):
        expected = _sklearn(y_true[idx[b]], y_pred[idx[b]], 4)
        assert scores[:, b] == pytest.approx(list(expected.values()), abs=1e-12)


def test_intervals_contain_value_shrink_and_are_seeded():
    small = classification_metrics(*_predictions(100, 3, seed=3), 3)
    large = classification_metrics(*_predictions(2000, 3, seed=3), 3)
    for name, record in small.items():
        lo, hi = record["ci95"]
        assert lo <= record["value"] <= hi
        assert large[name]["ci95"][1] - large[name]["ci95"][0] < hi - lo
    assert classification_metrics(*_predictions(100, 3, seed=3), 3, seed=7) == (
        classification_metrics(*_predictions(100, 3, seed=3), 3, seed=7)
    )


def test_degenerate_inputs():
    assert classification_metrics([1], [1], 2)["accuracy"] == {"value": 1.0, "ci95": [1.0, 1.0]}
    perfect = classification_metrics([0, 1, 0, 1], [0, 1, 0, 1], 2)
    assert perfect["accuracy"]["ci95"] == [1.0, 1.0]


@pytest.mark.parametrize(
    "y_true, y_pred, match",
    [
        ([0, 1], [0], "equal length"),
        ([], [], "empty"),
        ([0, 3], [0, 1], r"\[0, 3\)"),
        ([0.0, 1.0], [0, 1], "integer"),
    ],
)
def test_bad_labels_are_clear_errors(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        classification_metrics(np.array(y_true), np.array(y_pred), 3)


def test_confusion_matches_sklearn_with_all_labels():
    y_true, y_pred = np.array([0, 1, 1]), np.array([0, 0, 1])
    cm = confusion(y_true, y_pred, 3)
    assert cm.shape == (3, 3)
    np.testing.assert_array_equal(cm, confusion_matrix(y_true, y_pred, labels=[0, 1, 2]))


def test_macro_over_given_labels_matches_sklearn() -> None:
    y_true = np.array([3, 3, 7, 7, 7, 900])
    y_pred = np.array([3, 7, 7, 7, 1, 900])
    present = np.unique(y_true)
    result = classification_metrics(y_true, y_pred, 1000, labels=present, n_resamples=50)
    macro = {"labels": present.tolist(), "average": "macro", "zero_division": 0}
    assert result["precision"]["value"] == precision_score(y_true, y_pred, **macro)
    assert result["recall"]["value"] == recall_score(y_true, y_pred, **macro)
