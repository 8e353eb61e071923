"""The user study: a blinded, stratified sample of test images and their maps; the analysis of
people's answers into the paper's Table 3."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trustcnn import tracking
from trustcnn.config import EvaluationConfig, RobustnessConfig, UserStudyConfig
from trustcnn.data import ImageSet
from trustcnn.pipelines import by_model
from trustcnn.plotting.cases import case_bars
from trustcnn.plotting.note import note_figure
from trustcnn.user_study import Responses
from trustcnn.user_study.adversarial import adversarial_shown
from trustcnn.user_study.analysis import analyse, report_markdown
from trustcnn.user_study.package import StudyPackage, study_package

Arrays = dict[str, np.ndarray]


def sample_study(
    test_set: ImageSet,
    metrics: dict[str, Any],
    user_study: UserStudyConfig,
    evaluation: EvaluationConfig,
    robustness: RobustnessConfig,
    **outputs: Arrays,
) -> tuple[StudyPackage, dict[str, Any], dict[str, Any]]:
    """The study package (served), its unblinding key (kept apart) and its registration in
    the answers database (with the key, which outlives a re-sampled key.json); ``outputs``
    are every model's ``maps_``, ``predictions_``, ``scores_``, ``model_`` (checkpoints,
    attacked for ``user_study.adversarial_images``) and ``criticism_`` (its criticism report,
    shown in the ``user_study.criticism`` block)."""
    checkpoints = by_model(outputs, "model")
    attack = partial(adversarial_shown, test_set, checkpoints, n_images=user_study.adversarial_images, robustness=robustness)
    adversarial = partial(attack, method=user_study.method, seed=user_study.seed, accurate_energy=evaluation.accurate_energy)
    package = study_package(
        test_set,
        by_model(outputs, "maps"),
        by_model(outputs, "predictions"),
        by_model(outputs, "scores"),
        user_study,
        champion=metrics["champion"]["model"],
        accurate_energy=evaluation.accurate_energy,
        adversarial=adversarial,
        criticism=by_model(outputs, "criticism"),
    )
    registration = {"study_id": package.key["study_id"], "n_items": len(package.key["items"]), "key": package.key}
    return package, package.key, registration


def analyse_study(responses: Responses, key: dict[str, Any], user_study: UserStudyConfig) -> tuple[dict[str, Any], str, Figure]:
    """Preferred maps, Table 3 as people judged it (by background group too) and Cohen's κ
    against the masks; an empty report that says so before anyone answered."""
    report = analyse(responses, key, n_resamples=user_study.n_resamples, seed=user_study.seed)
    markdown = report_markdown(report)
    if report["answers"]:
        figure = case_bars({m: {"overall": shares} for m, shares in report["table3"].items()}, "four cases as people judged them")
    else:
        figure = note_figure("no answers yet: serve the study (trustcnn study serve)")
    tracking.log_study(report, markdown, figure)
    return report, markdown, figure
