"""Compare trained models on the test split: estimates with 95% CIs from per-image scores.

The Grad-CAM scores grade the very maps the trust losses train, so on their own they are
circular evidence. Reliance on the decoy is therefore also measured without any trained
map (:mod:`trustcnn.metrics.reliance`): accuracy on decoy views, the flip rate, the share of
the gap to the no-decoy reference model closed, and untrained attributions' share on the decoy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from trustcnn.criticism.report import metrics_entries
from trustcnn.data import ImageSet
from trustcnn.evaluation.champion import NO_DECOY, REFERENCE, choose_champion
from trustcnn.evaluation.scores import Scores, methods_in, model_scores
from trustcnn.metrics import case_shares, classification_metrics, gap_closed, mean_ci, view_estimates

Arrays = Mapping[str, np.ndarray]


def compare_models(
    test: ImageSet,
    maps: Mapping[str, Arrays],
    predictions: Mapping[str, Arrays],
    *,
    method: str = "gradcam",
    n_resamples: int = 1000,
    seed: int = 0,
    iou_threshold: float = 0.5,
    accurate_energy: float = 0.35,
) -> tuple[dict, dict[str, Scores]]:
    """``({"models": {name: estimates}, "champion": …}, {name: per-image scores})``.

    ``maps[name]`` holds each method's maps by method name (``method`` is the one Tables 1
    and 3 use) and the sanity check's; ``predictions[name]`` what
    :func:`trustcnn.posthoc.posthoc` returns. Per model, :func:`estimates` describes the
    report's row; the ``champion`` is :func:`~trustcnn.evaluation.champion.choose_champion`'s.
    """
    if REFERENCE not in maps:
        raise ValueError(f"evaluation needs the {REFERENCE!r} model's results; got {sorted(maps)}")
    for name, result in predictions.items():
        if len(result["predictions"]) != len(test):
            raise ValueError(f"{name}: {len(result['predictions'])} predictions for {len(test)} test images")
    reference = maps[REFERENCE][method]
    options: dict[str, Any] = {"method": method, "iou_threshold": iou_threshold, "accurate_energy": accurate_energy}
    scores = {name: model_scores(test, maps[name], predictions[name], reference, **options) for name in maps}
    kwargs = {"n_resamples": n_resamples, "seed": seed}
    report = {name: estimates(test, predictions, scores, name, method, **kwargs) for name in maps}
    return {"models": report, "champion": choose_champion(report)}, scores


def estimates(test: ImageSet, predictions: Mapping[str, Arrays], scores: Mapping[str, Scores], name: str, method: str, **kwargs) -> dict:
    """Model ``name``'s row: accuracy, macro precision and recall (over the classes the test
    split has), ``ssim_vs_baseline`` and ``sanity_ssim`` (low: the maps depend on the learnt
    weights); with masks, ``method``'s :func:`localisation`, ``case_shares`` (the paper's four
    cases) and ``by_method`` (every other method's localisation); with decoys, :func:`reliance`."""
    own = scores[name]
    row = classification_metrics(test.labels, predictions[name]["predictions"], test.num_classes, labels=np.unique(test.labels), **kwargs)
    row["ssim_vs_baseline"] = mean_ci(own["ssim_vs_baseline"], **kwargs)
    if "sanity_ssim" in own:
        row["sanity_ssim"] = mean_ci(own["sanity_ssim"], **kwargs)
    others = [m for m in methods_in(own) if m != method]
    if "accurate" in own:
        row |= localisation(own, method, **kwargs)
        row["case_shares"] = case_shares(own["correct"], own["accurate"], test.labels, test.class_names, **kwargs)
        row["by_method"] = {m: localisation(own, m, **kwargs) for m in others}
    if test.has_decoys and "predictions_consistent" in predictions[name]:
        row |= reliance(test, predictions, scores, name, [method, *others], **kwargs)
    return row


def localisation(scores: Scores, method: str, **kwargs) -> dict[str, dict]:
    """Energy in mask (also reported as ``energy_pointing_game``), pointing game and IoU of
    ``method``'s maps, each with its CI."""
    energy = mean_ci(scores[f"{method}.energy_in_mask"], **kwargs)
    return {
        "energy_in_mask": energy,
        "energy_pointing_game": energy,
        "pointing_game": mean_ci(scores[f"{method}.pointing_game"], **kwargs),
        "iou": mean_ci(scores[f"{method}.iou"], **kwargs),
    }


def reliance(
    test: ImageSet, predictions: Mapping[str, Arrays], scores: Mapping[str, Scores], name: str, methods: list[str], **kwargs
) -> dict[str, dict]:
    """The views' accuracies, drop and flip rate; ``gap_closed`` when the no-decoy reference
    was trained; ``decoy_share_<method>`` of each method's maps."""
    own = predictions[name]
    views = {"consistent": own["predictions_consistent"], "random": own["predictions"], "swapped": own["predictions_swapped"]}
    row = view_estimates(test.labels, views, **kwargs)
    if NO_DECOY in scores:
        row["gap_closed"] = gap_closed(*(scores[m]["correct"] for m in (name, REFERENCE, NO_DECOY)), **kwargs)
    for method in methods:
        row[f"decoy_share_{method}"] = mean_ci(scores[name][f"{method}.decoy_share"], **kwargs)
    return row


def with_criticism(report: dict, criticisms: Mapping[str, Mapping]) -> dict:
    """``report`` with each criticised model's :func:`~trustcnn.criticism.metrics_entries`
    (``decoy_driven_prototypes``, ``misclassified_criticisms``, ``criticism``) in its row."""
    for name, criticism in criticisms.items():
        report["models"][name] |= metrics_entries(criticism)
    return report


def with_sections(report: dict, **sections: Mapping[str, dict]) -> dict:
    """``report`` with each section (``{model: value}``) under its name in every model's row
    that has one (e.g. ``error_detection``, ``robustness``, ``bias``)."""
    for section, per_model in sections.items():
        for name, value in per_model.items():
            report["models"][name][section] = value
    return report
