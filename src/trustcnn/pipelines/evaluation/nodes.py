"""Compare every model on the test split and record the comparison in MLflow."""

from __future__ import annotations

from typing import Any

import mlflow
import numpy as np
from matplotlib.figure import Figure

from trustcnn.config import EvaluationConfig
from trustcnn.data import ImageSet
from trustcnn.evaluation import evaluate_models, metrics_table, table1
from trustcnn.plotting.overlays import overlay_grid
from trustcnn.tracking import log_estimates, log_figure, model_run


def evaluate(
    test_set: ImageSet, source_metrics: dict[str, Any], evaluation: EvaluationConfig, **maps: dict[str, np.ndarray]
) -> tuple[dict[str, Any], str, dict[str, Any], str, Figure]:
    """metrics.json and its Markdown table, Table 1 (JSON and Markdown) and an overlay
    grid; ``maps`` is keyed by model name."""
    report = evaluate_models(test_set, maps, n_resamples=evaluation.n_resamples, seed=evaluation.seed)
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
    title = "Table 1: classification (95% CI) and maps vs the baseline's, test split"
    return report, metrics_table(report), paper_table, metrics_table(paper_table, title), figure


def log_evaluation(metrics: dict[str, Any], table1_md: str, overlays: np.ndarray, **runs: dict[str, str]) -> None:
    """Test metrics (same names in every run) and the overlay grid into each model's run;
    Table 1 and metrics.json into the run of this ``kedro run``."""
    mlflow.log_text(table1_md, "table1.md")
    mlflow.log_dict(metrics, "metrics.json")
    for name, run in runs.items():
        with model_run(run_id=run["run_id"]):
            log_estimates({k: v for k, v in metrics["models"][name].items() if v.get("value") is not None})
            log_figure(overlays, "saliency_overlays.png")
