"""The four cases on a batch small enough to count by hand."""

import numpy as np
import pytest

from trustcnn.metrics import CASES, case_shares


def test_shares_by_hand() -> None:
    correct = np.array([1, 1, 1, 0, 0, 1, 0, 1], bool)
    accurate = np.array([1, 0, 1, 1, 0, 1, 0, 0], bool)
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    result = case_shares(correct, accurate, labels, ("cat", "dog"), n_resamples=200)
    values = {case: result["overall"][case]["value"] for case in CASES}
    assert values == pytest.approx({"right_accurate": 3 / 8, "right_inaccurate": 2 / 8, "wrong_accurate": 1 / 8, "wrong_inaccurate": 2 / 8})
    assert sum(values.values()) == pytest.approx(1.0)
    assert result["per_class"]["cat"] == pytest.approx(
        {"right_accurate": 0.5, "right_inaccurate": 0.25, "wrong_accurate": 0.25, "wrong_inaccurate": 0.0}
    )
    for case in CASES:
        lo, hi = result["overall"][case]["ci95"]
        assert lo <= values[case] <= hi


def test_case_examples_pick_the_highest_and_lowest_energy_of_each_case() -> None:
    from trustcnn.metrics import case_examples

    correct = np.array([1, 1, 1, 1, 1, 0, 0, 1], bool)
    energy = np.array([0.9, 0.5, 0.7, 0.1, 0.2, 0.6, 0.05, 0.3])
    examples = case_examples(correct, energy, accurate_energy=0.4, k=1)
    assert examples["right_accurate"] == {"best": [0], "worst": [1]}  # 0.9 vs 0.5 (0.7 in between)
    assert examples["right_inaccurate"] == {"best": [7], "worst": [3]}  # 0.3 vs 0.1
    assert examples["wrong_accurate"] == {"best": [5], "worst": []}  # one image: shown once
    assert examples["wrong_inaccurate"] == {"best": [6], "worst": []}
    two = case_examples(correct, energy, accurate_energy=0.4, k=2)
    assert two["right_accurate"] == {"best": [0, 2], "worst": [1]}
    with pytest.raises(ValueError, match="k must be"):
        case_examples(correct, energy, 0.4, k=0)
