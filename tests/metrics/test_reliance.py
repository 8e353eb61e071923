"""Reliance on the decoy from predictions: views, flip rate, gap closed, decoy share."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.metrics import decoy_share, gap_closed, view_estimates


def test_view_estimates_by_hand() -> None:
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    views = {
        "consistent": labels.copy(),  # all right
        "random": np.array([0, 1, 0, 0, 2, 2, 1, 1]),  # 5/8 right
        "swapped": np.array([1, 1, 0, 0, 2, 0, 1, 0]),  # 2/8 right, 6/8 differ from consistent
    }
    row = view_estimates(labels, views, n_resamples=200, seed=0)
    assert row["accuracy_consistent"]["value"] == 1.0
    assert row["accuracy_swapped"]["value"] == pytest.approx(2 / 8)
    assert row["decoy_drop"]["value"] == pytest.approx(1 - 5 / 8)
    assert row["decoy_flip_rate"]["value"] == pytest.approx(6 / 8)
    for estimate in row.values():
        lo, hi = estimate["ci95"]
        assert lo <= estimate["value"] <= hi


def test_gap_closed_by_hand_and_its_bounds() -> None:
    n = 200
    reference = np.ones(n)  # accuracy 1.0
    baseline = (np.arange(n) % 2 == 0) * 1.0  # 0.5
    half = (np.arange(n) % 4 != 3) * 1.0  # 0.75: half the gap
    estimate = gap_closed(half, baseline, reference, n_resamples=500, seed=0)
    assert estimate["value"] == pytest.approx(0.5)
    assert estimate["ci95"][0] < 0.5 < estimate["ci95"][1]
    assert gap_closed(reference, baseline, reference, n_resamples=100)["value"] == pytest.approx(1.0)
    assert gap_closed(baseline, baseline, reference, n_resamples=100)["value"] == pytest.approx(0.0)


def test_no_gap_no_share() -> None:
    same = np.ones(50)
    estimate = gap_closed(same, same, same, n_resamples=100)
    assert estimate["value"] is None and "not measurably behind" in estimate["note"]


def test_decoy_share_is_nan_without_a_decoy() -> None:
    maps = np.zeros((2, 4, 4))
    maps[:, 0, 0] = 3.0
    maps[:, 3, 3] = 1.0
    decoys = np.zeros((2, 4, 4), bool)
    decoys[0, 0, 0] = True
    share = decoy_share(maps, decoys)
    assert share[0] == pytest.approx(0.75) and np.isnan(share[1])
