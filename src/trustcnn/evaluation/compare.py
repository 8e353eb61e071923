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
from trustcnn.evaluation.per_image import SCORES, Context, PerImageScore, Scores
from trustcnn.evaluation.scores import methods_in, model_scores
from trustcnn.metrics import classification_metrics, gap_closed, view_estimates

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
    split has), then every registered score's estimate (:mod:`.per_image`: of ``method``'s maps
    by the score's name, the other methods' under ``by_method``); with decoys, :func:`reliance`
    and after it the estimates of the scores that need decoys."""
    own = scores[name]
    row = classification_metrics(test.labels, predictions[name]["predictions"], test.num_classes, labels=np.unique(test.labels), **kwargs)
    context = Context(test, own, **kwargs)
    methods = [method, *(m for m in methods_in(own) if m != method)]
    present = [score for score in SCORES.values() if (f"{method}.{score.name}" if score.per_method else score.name) in own]
    by_method: dict[str, dict] = {}
    for score in (score for score in present if "decoys" not in score.needs):
        row |= _estimates(score, own, methods, context, by_method)
    if any(score.on == "by_method" for score in present):
        row["by_method"] = by_method
    if test.has_decoys and "predictions_consistent" in predictions[name]:
        row |= reliance(test, predictions, scores, name, **kwargs)
        for score in (score for score in present if "decoys" in score.needs):
            row |= _estimates(score, own, methods, context, by_method)
    return row


def _estimates(score: PerImageScore, own: Scores, methods: list[str], context: Context, by_method: dict[str, dict]) -> dict:
    """``score``'s entries in a row (``by_method`` collects the other methods' localisation)."""
    if score.on == "each":
        return {f"{key}_{m}": score.summary(own[f"{m}.{score.name}"], context) for m in methods for key in score.row_keys}
    if score.on == "by_method":
        for other in methods[1:]:
            estimate = score.summary(own[f"{other}.{score.name}"], context)
            by_method.setdefault(other, {}).update(dict.fromkeys(score.row_keys, estimate))
        estimate = score.summary(own[f"{methods[0]}.{score.name}"], context)
    else:
        estimate = score.summary(own[score.name], context)
    return dict.fromkeys(score.row_keys, estimate)


def reliance(test: ImageSet, predictions: Mapping[str, Arrays], scores: Mapping[str, Scores], name: str, **kwargs) -> dict[str, dict]:
    """The views' accuracies, drop and flip rate; ``gap_closed`` when the no-decoy reference
    was trained."""
    own = predictions[name]
    views = {"consistent": own["predictions_consistent"], "random": own["predictions"], "swapped": own["predictions_swapped"]}
    row = view_estimates(test.labels, views, **kwargs)
    if NO_DECOY in scores:
        row["gap_closed"] = gap_closed(*(scores[m]["correct"] for m in (name, REFERENCE, NO_DECOY)), **kwargs)
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
