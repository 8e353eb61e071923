import json
import warnings

import numpy as np
import pytest

from trustcnn.metrics.intervals import bootstrap_ci, mean_ci


def _width(record: dict) -> float:
    lo, hi = record["ci95"]
    return hi - lo


def test_mean_ci_contains_mean_and_is_json_ready():
    values = np.random.default_rng(0).normal(size=200)
    record = mean_ci(values)
    lo, hi = record["ci95"]
    assert record["value"] == pytest.approx(values.mean())
    assert lo <= record["value"] <= hi
    assert record["n"] == 200 and record["n_nan"] == 0
    assert json.loads(json.dumps(record)) == record


def test_ci_shrinks_with_more_data():
    rng = np.random.default_rng(1)
    assert _width(mean_ci(rng.normal(size=1000))) < _width(mean_ci(rng.normal(size=50)))


def test_same_seed_same_interval_other_seed_differs():
    values = np.random.default_rng(2).normal(size=100)
    assert mean_ci(values, seed=3) == mean_ci(values, seed=3)
    assert mean_ci(values, seed=3)["ci95"] != mean_ci(values, seed=4)["ci95"]


def test_paired_statistic_resamples_samples_together():
    x = np.random.default_rng(5).normal(size=300)

    def difference(a, b, axis=-1):
        return np.mean(a - b, axis=axis)

    # Paired resampling keeps x - x at exactly 0 in every replicate.
    assert bootstrap_ci(difference, x, x) == {"value": 0.0, "ci95": [0.0, 0.0]}


def test_mean_ci_drops_nans_and_counts_them():
    record = mean_ci([1.0, np.nan, 3.0, np.nan])
    assert record["value"] == 2.0
    assert (record["n"], record["n_nan"]) == (2, 2)


def test_all_nan_gives_null_estimate():
    record = mean_ci([np.nan, np.nan])
    assert record == {"value": None, "ci95": [None, None], "n": 0, "n_nan": 2}
    json.dumps(record, allow_nan=False)


@pytest.mark.parametrize("values", [[0.7], [0.7] * 20])
def test_degenerate_inputs_collapse_to_the_value(values):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = mean_ci(values)
    assert record["value"] == pytest.approx(0.7)
    assert record["ci95"] == pytest.approx([0.7, 0.7])


def test_confidence_level_names_the_key():
    record = bootstrap_ci(np.mean, np.arange(10.0), confidence=0.9)
    assert set(record) == {"value", "ci90"}


@pytest.mark.parametrize(
    "samples, match",
    [((), "at least one"), ((np.array([]),), "empty"), ((np.ones(3), np.ones(4)), "equal")],
)
def test_bad_samples_are_clear_errors(samples, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_ci(np.mean, *samples)


def test_non_scalar_statistic_is_rejected():
    with pytest.raises(ValueError, match="scalar"):
        bootstrap_ci(lambda x, axis=-1: np.stack([x.mean(axis), x.std(axis)]), np.arange(5.0))


def test_t_interval_over_a_few_seeds_is_students_and_leaves_out_undefined_values() -> None:
    from scipy.stats import t as student_t

    from trustcnn.metrics import t_interval

    values = [0.2, 0.4, None, 0.6, float("nan")]
    found = t_interval(values)
    half = student_t.ppf(0.975, df=2) * 0.2 / np.sqrt(3)
    assert found["n"] == 3 and found["mean"] == pytest.approx(0.4) and found["sd"] == pytest.approx(0.2)
    assert found["ci95"] == pytest.approx([0.4 - half, 0.4 + half])
    assert t_interval([0.3]) == {"mean": 0.3, "sd": None, "ci95": None, "n": 1}
    assert t_interval([None])["mean"] is None and "ci90" in t_interval([1.0, 2.0], confidence=0.9)
