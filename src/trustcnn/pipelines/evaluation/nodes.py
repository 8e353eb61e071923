"""Compare every model on the test split: metrics, the paper's tables, figures, and what of
them goes to MLflow."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trustcnn import tracking
from trustcnn.config import BiasConfig, EvaluationConfig, SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.evaluation import (
    REFERENCE,
    bias_audit,
    bias_markdown,
    compare_models,
    error_detection_markdown,
    headline,
    reliance_methods,
    robustness_markdown,
    summary_table,
    table1,
    table1_markdown,
    table3,
    table3_markdown,
    with_criticism,
    with_sections,
)
from trustcnn.metrics import confusion
from trustcnn.pipelines import by_model
from trustcnn.plotting.case_examples import model_case_figure
from trustcnn.plotting.cases import case_bars
from trustcnn.plotting.confusion import confusion_figure
from trustcnn.plotting.note import note_figure
from trustcnn.plotting.overlays import overlay_grid
from trustcnn.plotting.reliance import reliance_bars
from trustcnn.plotting.trust_checks import bias_figure, robustness_figure
from trustcnn.replicates.champion import follow_replicates

Arrays = dict[str, np.ndarray]


def evaluate(
    test_set: ImageSet,
    source_metrics: dict[str, Any],
    evaluation: EvaluationConfig,
    saliency: SaliencyConfig,
    bias: BiasConfig,
    replicate_summary: dict[str, Any] | None,
    parameters: dict[str, Any],
    **outputs: Arrays,
) -> dict[str, Any]:
    """metrics.json and its Markdown table, Table 1 (JSON and Markdown) and every model's
    per-image scores (``scores_<model>``); ``outputs`` are each model's ``maps_``,
    ``predictions_``, ``error_detection_``, ``robustness_`` and ``criticism_``; the bias audit is
    computed here. The champion is the summary's across seeds when one made from these parameters
    exists."""
    kwargs: dict[str, Any] = {"n_resamples": evaluation.n_resamples, "seed": evaluation.seed}
    options: dict[str, Any] = {
        "method": saliency.method,
        "iou_threshold": evaluation.iou_threshold,
        "accurate_energy": evaluation.accurate_energy,
    }
    report, scores = compare_models(test_set, by_model(outputs, "maps"), by_model(outputs, "predictions"), **options, **kwargs)
    with_sections(
        report,
        error_detection=by_model(outputs, "error_detection"),
        robustness=by_model(outputs, "robustness"),
        bias=bias_audit(test_set, scores, bias.methods, bias.flag_ratio, **kwargs),
    )
    with_criticism(report, by_model(outputs, "criticism"))
    report["source_backbone"] = source_metrics
    report["champion"] = follow_replicates(report["champion"], replicate_summary, parameters, models=report["models"])
    paper_table = table1(report, reliance_methods(saliency, parameters))
    tables = {"metrics": report, "metrics_table": summary_table(report), "table1": paper_table, "table1_md": table1_markdown(paper_table)}
    return tables | {f"scores_{name}": model_scores for name, model_scores in scores.items()}


def overlays(test_set: ImageSet, evaluation: EvaluationConfig, saliency: SaliencyConfig, **outputs: Arrays) -> Figure:
    """The first test images under every model's map."""
    n = min(evaluation.overlay_count, len(test_set))
    maps, predictions = by_model(outputs, "maps"), by_model(outputs, "predictions")
    return overlay_grid(
        test_set.images[:n],
        {name: m[saliency.method][:n] for name, m in maps.items()},
        test_set.labels[:n],
        {name: p["predictions"][:n] for name, p in predictions.items()},
        test_set.class_names,
        masks=None if test_set.masks is None else test_set.masks[:n],
        n=n,
        method=saliency.method,
    )


def trust_checks(metrics: dict[str, Any], saliency: SaliencyConfig) -> tuple[str, str, str, Figure, Figure]:
    """The companion checks as tables (error detection, robustness, bias audit) and figures."""
    models = metrics["models"]
    bias = {name: row["bias"] for name, row in models.items() if row.get("bias")}
    return (
        error_detection_markdown(metrics),
        robustness_markdown(metrics),
        bias_markdown(metrics),
        robustness_figure({name: row["robustness"] for name, row in models.items()}),
        bias_figure(bias, saliency.method) if bias else note_figure("no object masks: no bias audit"),
    )


def four_cases(metrics: dict[str, Any], evaluation: EvaluationConfig) -> tuple[dict[str, Any], str, Figure]:
    """Table 3 (JSON and Markdown) and its bar chart; empty when the data has no masks."""
    table = table3(metrics)
    title = f"four cases (map accurate: energy in mask ≥ {evaluation.accurate_energy:g})"
    return table, table3_markdown(table, evaluation.accurate_energy), case_bars(table["models"], title)


def decoy_reliance(table1: dict[str, Any]) -> Figure:
    """Accuracy per decoy view and the share of the gap closed, per model (a note when the
    test images carry no decoy)."""
    if "reliance" not in table1:
        return note_figure("the test images carry no decoy: nothing to measure reliance on")
    return reliance_bars(table1["reliance"])


def model_figures(
    test_set: ImageSet,
    maps: Arrays,
    predictions: Arrays,
    scores: Arrays,
    run: dict[str, str],
    evaluation: EvaluationConfig,
    saliency: SaliencyConfig,
    *,
    name: str = "model",
) -> tuple[Figure, Figure]:
    """The model's best and worst test images of each case (from the evaluation's per-image
    scores) and its confusion matrix, also logged into the model's MLflow run."""
    predicted = predictions["predictions"]
    energy = scores.get(f"{saliency.method}.energy_in_mask")
    cases = model_case_figure(
        test_set,
        maps[saliency.method],
        predicted,
        scores["correct"],
        energy,
        evaluation.accurate_energy,
        evaluation.case_examples,
        name,
        saliency.method,
    )
    matrix = confusion_figure(
        confusion(test_set.labels, predicted, test_set.num_classes), test_set.class_names, f"{name}: confusion matrix (test)"
    )
    tracking.log_model_figures(run, name, {"case_examples.png": cases, "confusion_matrix.png": matrix})
    return cases, matrix


def log_evaluation(
    metrics: dict[str, Any],
    table1_md: str,
    table3_md: str,
    overlays: np.ndarray,
    case_figure: np.ndarray,
    reliance_figure: np.ndarray,
    **runs: dict[str, str],
) -> None:
    """The comparison into MLflow (:func:`trustcnn.tracking.log_comparison`): tables, figures
    and metrics.json on this run, test metrics and overlays on each model's, the champion alias."""
    texts = {"table1.md": table1_md, "table3.md": table3_md}
    images = {"case_bars.png": case_figure, "decoy_reliance.png": reliance_figure}
    tracking.log_comparison(metrics, texts, images, overlays, runs, headline(metrics), REFERENCE)
