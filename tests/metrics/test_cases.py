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
    assert result["per_class"]["cat"] == pytest.approx({"right_accurate": 0.5, "right_inaccurate": 0.25, "wrong_accurate": 0.25, "wrong_inaccurate": 0.0})
    for case in CASES:
        lo, hi = result["overall"][case]["ci95"]
        assert lo <= values[case] <= hi
