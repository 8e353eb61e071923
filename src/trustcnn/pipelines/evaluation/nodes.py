"""Compare every model on the test split and record the comparison in MLflow."""

from __future__ import annotations

import logging
from typing import Any

import mlflow
import numpy as np
from matplotlib.figure import Figure

from trustcnn.config import EvaluationConfig, SaliencyConfig
from trustcnn.data import ImageSet
from trustcnn.evaluation import evaluate_models, metrics_table, table1, table1_markdown, table3, table3_markdown, upsample_maps
from trustcnn.metrics import case_examples, confusion, energy_in_mask
from trustcnn.plotting.case_examples import case_examples_figure
from trustcnn.plotting.cases import case_bars
from trustcnn.plotting.confusion import confusion_figure
from trustcnn.plotting.overlays import overlay_grid
from trustcnn.plotting.reliance import note_figure, reliance_bars
from trustcnn.tracking import log_estimates, log_figure, model_run, set_champion

log = logging.getLogger(__name__)


def evaluate(
    test_set: ImageSet, source_metrics: dict[str, Any], evaluation: EvaluationConfig, saliency: SaliencyConfig,
    **maps: dict[str, np.ndarray],
) -> tuple[dict[str, Any], str, dict[str, Any], str, Figure]:
    """metrics.json and its Markdown table, Table 1 (JSON and Markdown) and an overlay
    grid; ``maps`` is keyed by model name."""
    report = evaluate_models(
        test_set, maps, method=saliency.method, n_resamples=evaluation.n_resamples, seed=evaluation.seed,
        iou_threshold=evaluation.iou_threshold, accurate_energy=evaluation.accurate_energy,
    )
    report["source_backbone"] = source_metrics
    n = min(evaluation.overlay_count, len(test_set))
    figure = overlay_grid(
        test_set.images[:n],
        {name: result["maps"][:n] for name, result in maps.items()},
        test_set.labels[:n],
        {name: result["predictions"][:n] for name, result in maps.items()},
        test_set.class_names,
        masks=None if test_set.masks is None else test_set.masks[:n],
        n=n,
    )
    paper_table = table1(report)
    return report, metrics_table(report), paper_table, table1_markdown(paper_table), figure


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
    test_set: ImageSet, maps: dict[str, np.ndarray], run: dict[str, str], evaluation: EvaluationConfig, *, name: str = "model"
) -> tuple[Figure, Figure]:
    """The model's best and worst test images of each case and its confusion matrix, also
    logged into the model's MLflow run."""
    predictions = maps["predictions"]
    matrix = confusion_figure(
        confusion(test_set.labels, predictions, test_set.num_classes), test_set.class_names, f"{name}: confusion matrix (test)"
    )
    if test_set.masks is None:
        cases = note_figure(f"{name}: the data has no object masks, so no cases")
    else:
        upsampled = upsample_maps(maps["maps"], test_set.images.shape[1:3])
        energy = energy_in_mask(upsampled, test_set.masks)
        examples = case_examples(predictions == test_set.labels, energy, evaluation.accurate_energy, evaluation.case_examples)
        cases = case_examples_figure(
            test_set.images, test_set.masks, upsampled, test_set.labels, predictions, energy, examples,
            test_set.class_names, f"{name}: best and worst test images per case (energy in mask ≥ {evaluation.accurate_energy:g} = accurate)",
        )
    with model_run(name, run_id=run["run_id"]):
        log_figure(cases, "case_examples.png")
        log_figure(matrix, "confusion_matrix.png")
    return cases, matrix


def log_evaluation(
    metrics: dict[str, Any], table1_md: str, table3_md: str, overlays: np.ndarray, case_figure: np.ndarray,
    reliance_figure: np.ndarray, **runs: dict[str, str],
) -> None:
    """Test metrics (same names in every run) and the overlay grid into each model's run;
    Tables 1 and 3, the case bars, the reliance figure and metrics.json into the run of this
    ``kedro run``; the
    ``champion`` alias onto the chosen model's registered version."""
    champion = metrics["champion"]["model"]
    mlflow.set_tags({"trustcnn.champion": champion, "trustcnn.champion_criterion": metrics["champion"]["criterion"]})
    if "registered_model" in runs[champion]:
        set_champion(runs[champion]["registered_model"], runs[champion]["model_version"])
    else:
        log.warning("%s was trained before models were registered; re-train it to give it the champion alias", champion)
    mlflow.log_text(table1_md, "table1.md")
    mlflow.log_text(table3_md, "table3.md")
    mlflow.log_image(case_figure, "case_bars.png")
    mlflow.log_image(reliance_figure, "decoy_reliance.png")
    mlflow.log_dict(metrics, "metrics.json")
    for name, run in runs.items():
        with model_run(name, run_id=run["run_id"]):
            estimates = {k: v for k, v in metrics["models"][name].items() if v.get("value") is not None}
            log_estimates(estimates)
            if "case_shares" in metrics["models"][name]:
                log_estimates(metrics["models"][name]["case_shares"]["overall"], prefix="test_case_")
            log_figure(overlays, "saliency_overlays.png")
