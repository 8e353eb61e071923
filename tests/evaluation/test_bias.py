"""The bias audit worked out by hand: shares per class, flags, and data without decoys."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.data import ImageSet
from trustcnn.evaluation import audit, bias_audit

KWARGS = {"n_resamples": 50, "seed": 0}


def _test_set(decoys: bool) -> ImageSet:
    images = np.zeros((4, 10, 10, 3), np.uint8)
    masks = np.zeros((4, 10, 10), bool)
    masks[:, 2:6, 2:6] = True
    decoy_masks = None
    if decoys:
        decoy_masks = np.zeros((4, 10, 10), bool)
        decoy_masks[:, 8:10, 8:10] = True  # 4% of the image
        decoy_masks[3] = False  # one image carries no decoy
    return ImageSet(images, np.array([0, 0, 1, 1]), ("zero", "one"), masks=masks, decoy_masks=decoy_masks)


SCORES = {
    "gradcam.energy_in_mask": np.array([0.5, 0.7, 0.2, 0.4]),
    "gradcam.decoy_share": np.array([0.3, 0.1, 0.05, np.nan]),
}


def test_shares_per_class_and_flags_against_the_decoys_area() -> None:
    result = audit(_test_set(True), SCORES, "gradcam", flag_ratio=2.0, **KWARGS)
    zero, one = result["per_class"]["zero"], result["per_class"]["one"]
    assert zero["object"] == pytest.approx(0.6) and zero["decoy"] == pytest.approx(0.2)
    assert zero["elsewhere"] == pytest.approx(0.2)
    assert one["object"] == pytest.approx(0.3) and one["decoy"] == pytest.approx(0.05)  # NaN: no decoy there
    assert one["elsewhere"] == pytest.approx((0.75 + 0.6) / 2)
    assert zero["flagged"] and not one["flagged"]  # 0.2 ≥ 2 × 0.04; 0.05 < 0.08
    assert result["overall"]["object"]["value"] == pytest.approx(0.45)
    assert result["overall"]["decoy"]["value"] == pytest.approx(0.15)  # the NaN image is left out


def test_without_decoys_only_object_and_elsewhere() -> None:
    scores = {"gradcam.energy_in_mask": SCORES["gradcam.energy_in_mask"]}
    result = audit(_test_set(False), scores, "gradcam", flag_ratio=2.0, **KWARGS)
    assert set(result["overall"]) == {"object", "elsewhere"}
    assert result["per_class"]["zero"] == {"object": pytest.approx(0.6), "elsewhere": pytest.approx(0.4)}


def test_audits_each_scored_method_of_each_model_and_nothing_without_masks() -> None:
    test = _test_set(True)
    report = bias_audit(test, {"a": SCORES, "b": SCORES}, ["gradcam", "input_x_gradient"], 2.0, **KWARGS)
    assert set(report) == {"a", "b"} and set(report["a"]) == {"gradcam"}
    no_masks = ImageSet(test.images, test.labels, test.class_names)
    assert bias_audit(no_masks, {"a": SCORES}, ["gradcam"], 2.0, **KWARGS) == {}
