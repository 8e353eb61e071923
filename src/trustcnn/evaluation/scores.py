"""Per-image scores of one model's maps and predictions, computed once: the estimates with
their CIs (:mod:`.compare`) and the per-model figures both read them.

Maps are upsampled (bilinear, :func:`trustcnn.saliency.upsample`) to the image size before
they meet masks or each other, so localisation and SSIM are measured where a user looks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trustcnn.data import ImageSet
from trustcnn.evaluation.per_image import Inputs, PerImageScore, Scores, scored
from trustcnn.posthoc import SANITY
from trustcnn.runtime.ondisk import release
from trustcnn.saliency import upsample_array

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
    """``correct`` and every registered score (:mod:`.per_image`) the test split allows:
    ``<name>`` for a score of ``method``'s maps (``ssim_vs_baseline`` against the ``reference``
    model's ``method`` maps, ``sanity_ssim``, ``accurate``: ``method``'s energy ≥
    ``accurate_energy``), ``<m>.<name>`` for one of every method ``m``'s (with masks
    ``energy_in_mask``, ``pointing_game``, ``iou``; with decoys ``decoy_share``). Arrays ``[N]``,
    every value a function of its own image alone — computed ``rows`` images at a time,
    upsampled block by block, the pages of memory-mapped inputs dropped after each."""
    parts: list[Scores] = []
    registered = scored(test, SANITY in maps)
    for start in range(0, len(test), rows):
        block = slice(start, start + rows)
        blocked = {name: values[block] for name, values in maps.items()}
        options = {"iou_threshold": iou_threshold, "accurate_energy": accurate_energy}
        parts.append(_block_scores(test, block, blocked, reference[block], registered, method=method, **options))
        release(test.masks, test.decoy_masks, reference, *maps.values())
    scores: Scores = {"correct": predictions["predictions"] == test.labels}
    return scores | {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def _block_scores(
    test: ImageSet,
    block: slice,
    maps: Mapping[str, np.ndarray],
    reference: np.ndarray,
    registered: list[PerImageScore],
    *,
    method: str,
    iou_threshold: float,
    accurate_energy: float,
) -> Scores:
    """One block's scores: those of ``method``'s maps, then every method's (method by method),
    then those read from the others."""
    size = test.images.shape[1:3]
    upsampled = {name: upsample_array(np.asarray(values), size) for name, values in maps.items()}
    sanity = upsampled.pop(SANITY, None)
    scores: Scores = {}
    compared = Inputs(
        test,
        block,
        method,
        upsampled[method],
        upsampled[method],
        upsample_array(np.asarray(reference), size),
        sanity,
        scores,
        iou_threshold,
        accurate_energy,
    )
    scores |= {score.name: score.values(compared) for score in registered if score.on == "compared"}
    for name, values in upsampled.items():
        each = compared.scoring(values)
        scores |= {f"{name}.{score.name}": score.values(each) for score in registered if score.per_method}
    scores |= {score.name: score.values(compared) for score in registered if score.on == "scores"}
    return scores


def methods_in(scores: Mapping[str, np.ndarray]) -> list[str]:
    """The methods whose maps were scored, in the order they were."""
    return list(dict.fromkeys(key.split(".")[0] for key in scores if "." in key))
