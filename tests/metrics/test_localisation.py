"""Localisation metrics, checked by hand and against the real Quantus package."""

from __future__ import annotations

import numpy as np
import pytest
import quantus

from trustcnn.metrics import energy_in_mask, pointing_game, thresholded_iou


@pytest.fixture
def batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    maps = rng.random((12, 16, 16)).astype(np.float32)
    masks = np.zeros((12, 16, 16), bool)
    masks[:, 4:10, 3:12] = True
    maps[:4, 6, 6] = 2.0  # the first four peak on the object
    return maps / maps.max(axis=(1, 2), keepdims=True), masks


def _quantus(metric, maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    a, s = maps[:, None], masks[:, None].astype(np.float32)
    x, y = np.zeros_like(a), np.zeros(len(a), int)
    return np.asarray(metric(disable_warnings=True)(model=None, x_batch=x, y_batch=y, a_batch=a, s_batch=s), dtype=float)


def test_pointing_game_agrees_with_quantus(batch) -> None:
    maps, masks = batch
    ours = pointing_game(maps, masks)
    np.testing.assert_array_equal(ours, _quantus(quantus.PointingGame, maps, masks))
    assert ours[:4].all()


def test_energy_pointing_game_agrees_with_quantus_relevance_mass(batch) -> None:
    maps, masks = batch
    np.testing.assert_allclose(energy_in_mask(maps, masks), _quantus(quantus.RelevanceMassAccuracy, maps, masks), rtol=1e-5)


def test_iou_by_hand() -> None:
    maps = np.zeros((2, 4, 4))
    maps[0, :2, :2] = 1.0  # exactly the mask
    maps[1, :2, :] = 0.6  # the mask's 4 pixels plus 4 more
    masks = np.zeros((2, 4, 4), bool)
    masks[:, :2, :2] = True
    np.testing.assert_allclose(thresholded_iou(maps, masks, 0.5), [1.0, 0.5])
    np.testing.assert_allclose(thresholded_iou(maps, masks, 0.7), [1.0, 0.0])
    with pytest.raises(ValueError, match="threshold"):
        thresholded_iou(maps, masks, 1.5)


def test_energy_inside_outside_and_zero_map():
    mask = np.zeros((8, 8), bool)
    mask[2:5, 2:5] = True
    inside = np.where(mask, 0.8, 0.0)
    outside = np.where(mask, 0.0, 0.5)
    half = np.where(mask, 1.0, 0.0) + np.where(np.eye(8, dtype=bool) & ~mask, 1.0, 0.0)
    maps = np.stack([inside, outside, np.zeros((8, 8)), half])
    masks = np.stack([mask] * 4)
    expected = [1.0, 0.0, 0.0, 9 / (9 + 5)]
    np.testing.assert_allclose(energy_in_mask(maps, masks), expected)


def test_energy_bad_inputs():
    with pytest.raises(ValueError, match="upsample the maps first"):
        energy_in_mask(np.ones((2, 8, 8)), np.ones((2, 32, 32), bool))
    with pytest.raises(ValueError, match="non-negative"):
        energy_in_mask(-np.ones((1, 4, 4)), np.ones((1, 4, 4), bool))
