"""Which training images to mark: each class its share, the highest scores within it, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.user_study.annotation.sample import choose_images


def test_ranked_choice_takes_each_classes_share_of_its_highest_scores() -> None:
    labels = np.repeat([0, 1, 2], [20, 10, 10])
    scores = np.random.default_rng(0).random(40)
    chosen = choose_images(labels, scores, 8, seed=0)
    assert np.bincount(labels[chosen]).tolist() == [4, 2, 2]
    for label in (0, 1, 2):
        members = np.flatnonzero(labels == label)
        top = members[np.argsort(-scores[members])][: np.sum(labels[chosen] == label)]
        assert set(chosen[labels[chosen] == label]) == set(top)


def test_random_choice_is_stratified_and_seeded() -> None:
    labels = np.repeat([0, 1], [30, 10])
    first, again, other = (choose_images(labels, None, 8, seed=s) for s in (0, 0, 1))
    assert np.bincount(labels[first]).tolist() == [6, 2]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_nan_scores_rank_last_and_ties_break_by_seed() -> None:
    labels = np.zeros(6, int)
    scores = np.array([np.nan, 1.0, 1.0, 1.0, 1.0, 0.5])
    picks = {tuple(choose_images(labels, scores, 2, seed=s)) for s in range(20)}
    assert all(set(p) <= {1, 2, 3, 4} for p in picks) and len(picks) > 1


def test_fewer_images_than_asked_gives_all_and_bad_input_is_refused() -> None:
    np.testing.assert_array_equal(choose_images(np.array([0, 1]), np.array([0.1, 0.2]), 5, seed=0), [0, 1])
    with pytest.raises(ValueError, match="n_images"):
        choose_images(np.array([0, 1, 1]), np.zeros(3), 0, seed=0)
    with pytest.raises(ValueError, match="3 scores for 2"):
        choose_images(np.array([0, 1]), np.zeros(3), 1, seed=0)
