"""SSIM between two models' maps (eq. 11)."""

import numpy as np
import pytest

from trustcnn.metrics.similarity import ssim_per_image, ssim_win_size


def _maps(shape, seed=0):
    return np.random.default_rng(seed).random(shape)


@pytest.mark.parametrize("shape", [(3, 32, 32), (3, 8, 8), (2, 4, 4), (2, 3, 5)])
def test_ssim_identical_is_one(shape):
    a = _maps(shape)
    np.testing.assert_allclose(ssim_per_image(a, a), 1.0)


def test_ssim_of_inverse_is_low():
    a = _maps((4, 16, 16))
    scores = ssim_per_image(a, 1.0 - a)
    assert scores.shape == (4,)
    assert (scores < 0.5).all()


@pytest.mark.parametrize("size, expected", [((32, 32), 7), ((8, 8), 7), ((6, 9), 5), ((4, 4), 3)])
def test_win_size_is_odd_and_fits(size, expected):
    assert ssim_win_size(*size) == expected


@pytest.mark.parametrize(
    "a, b, match",
    [
        (np.zeros((2, 8, 8)), np.zeros((2, 8, 7)), "same shape"),
        (np.zeros((8, 8)), np.zeros((8, 8)), r"\[N, H, W\]"),
        (np.full((1, 8, 8), 2.0), np.zeros((1, 8, 8)), r"\[0, 1\]"),
        (np.zeros((1, 2, 8)), np.zeros((1, 2, 8)), "3×3"),
    ],
)
def test_ssim_bad_inputs(a, b, match):
    with pytest.raises(ValueError, match=match):
        ssim_per_image(a, b)
