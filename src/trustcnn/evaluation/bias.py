"""The bias audit (after Cisse et al. 2017): where each model's saliency goes, per class — on
the object, on the decoy the data painted, or elsewhere — and which classes lean on the decoy.

A class is *flagged* when its mean decoy share is at least ``flag_ratio`` times the decoy's
share of the image area (what a map spread evenly would put there). Without decoys the audit
is the object and outside-object shares alone; without masks there is nothing to audit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from trustcnn.data import ImageSet
from trustcnn.evaluation.per_image import Scores
from trustcnn.metrics import mean_ci
from trustcnn.runtime.ondisk import blocks

REGIONS = ("object", "decoy", "elsewhere")


def shares(test: ImageSet, scores: Scores, method: str) -> dict[str, np.ndarray]:
    """Per image, the share of ``method``'s map on the object, the decoy and elsewhere."""
    object_share = scores[f"{method}.energy_in_mask"]
    decoy = scores.get(f"{method}.decoy_share")
    decoy_share = np.zeros_like(object_share) if decoy is None else np.nan_to_num(decoy)
    regions = {"object": object_share, "elsewhere": 1.0 - object_share - decoy_share}
    if decoy is not None:
        regions["decoy"] = decoy
    return regions


def decoy_areas(test: ImageSet) -> np.ndarray | None:
    """Each test image's share of pixels under its decoy (block by block), ``None`` without decoys."""
    if test.decoy_masks is None:
        return None
    return np.concatenate([block.mean(axis=(1, 2)) for _, block in blocks(test.decoy_masks)])


def audit(test: ImageSet, scores: Scores, method: str, flag_ratio: float, areas: np.ndarray | None = None, **kwargs) -> dict:
    """``{"overall": {region: estimate}, "per_class": {class: {region: share, "flagged": bool}}}``;
    ``areas`` are :func:`decoy_areas` (computed here when not given)."""
    regions = shares(test, scores, method)
    areas = decoy_areas(test) if areas is None and "decoy" in regions else areas
    per_class = {}
    for k in np.unique(test.labels):
        members = test.labels == k
        row = {region: float(np.nanmean(values[members])) for region, values in regions.items()}
        if "decoy" in regions:
            assert areas is not None  # computed above when there are decoys
            area = areas[members]
            chance = float(area[area > 0].mean()) if (area > 0).any() else 0.0
            row["flagged"] = bool(chance > 0 and row["decoy"] >= flag_ratio * chance)
        per_class[test.class_names[k]] = row
    overall = {region: mean_ci(values, **kwargs) for region, values in regions.items()}
    return {"method": method, "flag_ratio": flag_ratio, "overall": overall, "per_class": per_class}


def bias_audit(test: ImageSet, scores: Mapping[str, Scores], methods: Sequence[str], flag_ratio: float, **kwargs) -> dict[str, dict]:
    """Per model, :func:`audit` of each of ``methods`` that was scored (needs masks)."""
    if test.masks is None:
        return {}
    areas = decoy_areas(test)
    return {
        model: {m: audit(test, own, m, flag_ratio, areas, **kwargs) for m in methods if f"{m}.energy_in_mask" in own}
        for model, own in scores.items()
    }
