"""Compare every model on the test split and record the comparison in MLflow."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trustcnn.config import EvaluationConfig
from trustcnn.data import ImageSet
from trustcnn.evaluation import evaluate_models, metrics_table
from trustcnn.plotting.overlays import overlay_grid
from trustcnn.tracking import log_estimates, log_figure, model_run


def evaluate(
    test_set: ImageSet, source_metrics: dict[str, Any], evaluation: EvaluationConfig, **maps: dict[str, np.ndarray]
) -> tuple[dict[str, Any], str, Figure]:
    """metrics.json content, its Markdown table and an overlay grid; ``maps`` is keyed by model name."""
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
    return report, metrics_table(report), figure


def log_evaluation(metrics: dict[str, Any], overlays: np.ndarray, **runs: dict[str, str]) -> None:
    """Test metrics (same names in every run) and the overlay grid into each model's run."""
    for name, run in runs.items():
        with model_run(run_id=run["run_id"]):
            log_estimates({k: v for k, v in metrics["models"][name].items() if v.get("value") is not None})
            log_figure(overlays, "saliency_overlays.png")
