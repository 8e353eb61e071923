"""How much a model relies on a shortcut, measured without any map a loss trained on.

From predictions on views of the same test images that differ only in the decoy's colour
(:mod:`trustcnn.data.decoy_views`) and from an untrained attribution's share on the decoy:

- accuracy per view, and the *decoy drop* (consistent − random accuracy, paired per image);
- the *decoy flip rate*: the share of images whose prediction changes when only the decoy
  changes (consistent vs swapped view);
- the *gap closed*: ``(acc_m − acc_baseline) / (acc_no_decoy − acc_baseline)`` on the random
  view, where ``no_decoy`` is the same architecture and budget trained on decoy-free images —
  how the shortcut-learning literature (Ross et al. 2017; Rieger et al. 2020) reports it;
- the *decoy share* of a map: the share of its mass on the decoy region.
"""

from __future__ import annotations

import numpy as np

from trustcnn.metrics.intervals import bootstrap_ci, mean_ci
from trustcnn.metrics.localisation import energy_in_mask


def decoy_share(maps: np.ndarray, decoy_masks: np.ndarray) -> np.ndarray:
    """``[N]`` share of each map's mass on its decoy; NaN for images without a decoy."""
    return energy_in_mask(maps, decoy_masks)  # NaN where the mask (here: the decoy) is empty


def view_estimates(labels: np.ndarray, predictions: dict[str, np.ndarray], **kwargs) -> dict[str, dict]:
    """``accuracy_consistent``, ``accuracy_swapped``, ``decoy_drop`` and ``decoy_flip_rate``
    with 95% CIs, from ``predictions`` keyed ``consistent`` / ``random`` / ``swapped``."""
    correct = {view: (np.asarray(p) == labels).astype(float) for view, p in predictions.items()}
    return {
        "accuracy_consistent": mean_ci(correct["consistent"], **kwargs),
        "accuracy_swapped": mean_ci(correct["swapped"], **kwargs),
        "decoy_drop": mean_ci(correct["consistent"] - correct["random"], **kwargs),
        "decoy_flip_rate": mean_ci((predictions["consistent"] != predictions["swapped"]).astype(float), **kwargs),
    }


def gap_closed(correct: np.ndarray, baseline: np.ndarray, reference: np.ndarray, **kwargs) -> dict:
    """Share of the baseline's accuracy gap to the no-decoy ``reference`` that a model closes
    (1: as good as never having seen the decoy, 0: no better than the baseline), with a
    paired-bootstrap CI. ``None`` (JSON null) when the baseline is not measurably behind the
    reference (the CI of the gap reaches 0): then there is no gap to close."""
    arrays = [np.asarray(a, dtype=float) for a in (correct, baseline, reference)]
    gap = mean_ci(arrays[2] - arrays[1], **kwargs)
    if gap["value"] is None or gap["ci95"][0] <= 0:
        return {"value": None, "ci95": [None, None], "note": "the baseline is not measurably behind the no-decoy reference"}
    floor = 1.0 / len(arrays[0])  # one image: resamples where the gap vanishes can't divide by 0

    def ratio(m: np.ndarray, b: np.ndarray, r: np.ndarray, axis: int = -1) -> np.ndarray:
        return (m.mean(axis) - b.mean(axis)) / np.maximum(r.mean(axis) - b.mean(axis), floor)

    return bootstrap_ci(ratio, *arrays, **kwargs)
