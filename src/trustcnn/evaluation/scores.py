"""Per-image scores of one model's maps and predictions, computed once: the estimates with
their CIs (:mod:`.compare`) and the per-model figures both read them.

Maps are upsampled (bilinear, :func:`trustcnn.saliency.upsample`) to the image size before
they meet masks or each other, so localisation and SSIM are measured where a user looks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trustcnn.data import ImageSet
from trustcnn.inference import SANITY
from trustcnn.metrics import decoy_share, energy_in_mask, pointing_game, ssim_per_image, thresholded_iou
from trustcnn.saliency import upsample_array

Scores = dict[str, np.ndarray]
LOCALISATION = ("energy_in_mask", "pointing_game", "iou")


def model_scores(
    test: ImageSet,
    maps: Mapping[str, np.ndarray],
    predictions: Mapping[str, np.ndarray],
    reference: np.ndarray,
    *,
    method: str,
    iou_threshold: float,
    accurate_energy: float,
) -> Scores:
    """``correct``, ``ssim_vs_baseline`` (``method``'s maps vs the ``reference`` maps, already
    at image size) and ``sanity_ssim``; with masks, ``<m>.energy_in_mask``, ``<m>.pointing_game``
    and ``<m>.iou`` for every method ``m`` and ``accurate`` (``method``'s energy ≥
    ``accurate_energy``); with decoys, ``<m>.decoy_share``. Arrays ``[N]``."""
    size = test.images.shape[1:3]
    upsampled = {name: upsample_array(values, size) for name, values in maps.items()}
    scores: Scores = {
        "correct": predictions["predictions"] == test.labels,
        "ssim_vs_baseline": ssim_per_image(upsampled[method], reference),
    }
    if SANITY in upsampled:
        scores["sanity_ssim"] = ssim_per_image(upsampled[method], upsampled.pop(SANITY))
    for name, values in upsampled.items():
        if test.masks is not None:
            scores[f"{name}.energy_in_mask"] = energy_in_mask(values, test.masks)
            scores[f"{name}.pointing_game"] = pointing_game(values, test.masks)
            scores[f"{name}.iou"] = thresholded_iou(values, test.masks, iou_threshold)
        if test.has_decoys:
            scores[f"{name}.decoy_share"] = decoy_share(values, test.decoy_masks)
    if test.masks is not None:
        scores["accurate"] = scores[f"{method}.energy_in_mask"] >= accurate_energy
    return scores


def methods_in(scores: Mapping[str, np.ndarray]) -> list[str]:
    """The methods whose maps were scored, in the order they were."""
    return list(dict.fromkeys(key.split(".")[0] for key in scores if "." in key))
