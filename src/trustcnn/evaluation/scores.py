"""Per-image scores of one model's maps and predictions, computed once: the estimates with
their CIs (:mod:`.compare`) and the per-model figures both read them.

Maps are upsampled (bilinear, :func:`trustcnn.saliency.upsample`) to the image size before
they meet masks or each other, so localisation and SSIM are measured where a user looks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trustcnn.data import ImageSet
from trustcnn.metrics import decoy_share, energy_in_mask, pointing_game, ssim_per_image, thresholded_iou
from trustcnn.posthoc import SANITY
from trustcnn.runtime.ondisk import release
from trustcnn.saliency import upsample_array

Scores = dict[str, np.ndarray]
LOCALISATION = ("energy_in_mask", "pointing_game", "iou")


SCORED_ROWS = 1024
"""Test images scored at a time: memory stays bounded however many there are."""


def model_scores(
    test: ImageSet,
    maps: Mapping[str, np.ndarray],
    predictions: Mapping[str, np.ndarray],
    reference: np.ndarray,
    *,
    method: str,
    iou_threshold: float,
    accurate_energy: float,
    rows: int = SCORED_ROWS,
) -> Scores:
    """``correct``, ``ssim_vs_baseline`` (``method``'s maps vs the ``reference`` model's
    ``method`` maps) and ``sanity_ssim``; with masks, ``<m>.energy_in_mask``,
    ``<m>.pointing_game`` and ``<m>.iou`` for every method ``m`` and ``accurate``
    (``method``'s energy ≥ ``accurate_energy``); with decoys, ``<m>.decoy_share``. Arrays
    ``[N]``, every value a function of its own image alone — computed ``rows`` images at a
    time, upsampled block by block, the pages of memory-mapped inputs dropped after each."""
    parts: list[Scores] = []
    has_decoys = test.has_decoys
    for start in range(0, len(test), rows):
        block = slice(start, start + rows)
        parts.append(
            _block_scores(
                test,
                block,
                {name: values[block] for name, values in maps.items()},
                reference[block],
                method=method,
                iou_threshold=iou_threshold,
                has_decoys=has_decoys,
            )
        )
        release(test.masks, test.decoy_masks, reference, *maps.values())
    scores: Scores = {"correct": predictions["predictions"] == test.labels}
    scores |= {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    if test.masks is not None:
        scores["accurate"] = scores[f"{method}.energy_in_mask"] >= accurate_energy
    return scores


def _block_scores(
    test: ImageSet,
    block: slice,
    maps: Mapping[str, np.ndarray],
    reference: np.ndarray,
    *,
    method: str,
    iou_threshold: float,
    has_decoys: bool,
) -> Scores:
    size = test.images.shape[1:3]
    upsampled = {name: upsample_array(np.asarray(values), size) for name, values in maps.items()}
    scores: Scores = {"ssim_vs_baseline": ssim_per_image(upsampled[method], upsample_array(np.asarray(reference), size))}
    if SANITY in upsampled:
        scores["sanity_ssim"] = ssim_per_image(upsampled[method], upsampled.pop(SANITY))
    masks = None if test.masks is None else np.asarray(test.masks[block])
    for name, values in upsampled.items():
        if masks is not None:
            scores[f"{name}.energy_in_mask"] = energy_in_mask(values, masks)
            scores[f"{name}.pointing_game"] = pointing_game(values, masks)
            scores[f"{name}.iou"] = thresholded_iou(values, masks, iou_threshold)
        if has_decoys:
            assert test.decoy_masks is not None  # has_decoys
            scores[f"{name}.decoy_share"] = decoy_share(values, np.asarray(test.decoy_masks[block]))
    return scores


def methods_in(scores: Mapping[str, np.ndarray]) -> list[str]:
    """The methods whose maps were scored, in the order they were."""
    return list(dict.fromkeys(key.split(".")[0] for key in scores if "." in key))
