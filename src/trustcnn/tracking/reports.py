"""What each step of the experiment records in MLflow — the nodes call these, never MLflow.

All model runs log the same metric names, so the UI's Compare view lines them up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from torch import nn

from trustcnn.config import TrustConfig
from trustcnn.plotting.curves import training_curves
from trustcnn.tracking.models import log_torch_model, set_champion
from trustcnn.tracking.runs import (
    log_dict,
    log_epoch,
    log_estimates,
    log_figure,
    log_history,
    log_metrics,
    log_params,
    log_text,
    model_run,
    set_tags,
)
from trustcnn.training.backbone import Backbone
from trustcnn.training.grid import VariantFit
from trustcnn.training.transfer import EpochCallback

log = logging.getLogger(__name__)
History = list[dict[str, float]]


def log_training(
    model_name: str, params: Mapping[str, Any], history: History, curves: Figure, model: nn.Module, input_example: np.ndarray
) -> dict[str, str]:
    """Everything a training node records in its model's run: flat params, the (already
    streamed) history's final values as summary, the curves figure and the registered
    model. Returns what :func:`~trustcnn.tracking.models.log_torch_model` does."""
    log_params(params)
    if history:
        log_metrics({f"final_{k}": v for k, v in history[-1].items() if k != "epoch"})
    log_figure(curves, "training_curves.png")
    return log_torch_model(model, input_example, model_name)


def log_backbone(backbone: Backbone, params: Mapping[str, Any], input_example: np.ndarray) -> None:
    """Where the backbone came from; when it was pretrained here, its curves and the model."""
    log_params({**params, "weights": backbone.metrics["weights"]})
    if backbone.history:
        curves = training_curves(backbone.history, "source backbone")
        log_training("source_backbone", {}, backbone.history, curves, backbone.module, input_example)


class GridRuns:
    """One MLflow run per grid point, nested under the variant's run; :meth:`select` tags the
    point :func:`~trustcnn.training.fit_variant` kept and logs its lr/λ and curves on the
    variant's run."""

    def __init__(self) -> None:
        self.run_ids: list[str] = []

    @contextmanager
    def point(self, label: str, point: TrustConfig) -> Iterator[EpochCallback]:
        with model_run(label) as run:
            log_params({"optim": point.model_dump()})
            self.run_ids.append(run.info.run_id)
            yield log_epoch

    def select(self, fit: VariantFit) -> None:
        if fit.selected is None:
            return
        run_id = self.run_ids[fit.selected]
        set_tags({"grid_selected": "true"}, run_id)
        log_params({"grid.chosen_lr": fit.chosen.lr, "grid.chosen_lam": fit.chosen.lam, "grid.chosen_run_id": run_id})
        log_history(fit.history)  # the chosen point's curves, under the metric names every run shares


def log_model_figures(run: Mapping[str, str], name: str, figures: Mapping[str, Figure]) -> None:
    """Figures (``{filename: figure}``) into model ``name``'s run."""
    with model_run(name, run_id=run["run_id"]):
        for filename, figure in figures.items():
            log_figure(figure, filename)


def log_comparison(
    metrics: Mapping[str, Any],
    texts: Mapping[str, str],
    images: Mapping[str, np.ndarray],
    overlays: np.ndarray,
    runs: Mapping[str, Mapping[str, str]],
) -> None:
    """The comparison of every model: ``texts`` and ``images`` (by filename) and metrics.json
    into the run of this ``kedro run``, tagged with the champion, whose registered version
    gets the ``champion`` alias; each model's test estimates (same names in every run) and
    the ``overlays`` grid into its own run."""
    champion = metrics["champion"]["model"]
    set_tags({"trustcnn.champion": champion, "trustcnn.champion_criterion": metrics["champion"]["criterion"]})
    if "registered_model" in runs[champion]:
        set_champion(runs[champion]["registered_model"], runs[champion]["model_version"])
    else:
        log.warning("%s was trained before models were registered; re-train it to give it the champion alias", champion)
    for filename, text in texts.items():
        log_text(text, filename)
    for filename, image in images.items():
        log_figure(image, filename)
    log_dict(metrics, "metrics.json")
    for name, run in runs.items():
        with model_run(name, run_id=run["run_id"]):
            row = metrics["models"][name]
            log_estimates(row)
            if "case_shares" in row:
                log_estimates(row["case_shares"]["overall"], prefix="test_case_")
            for section in ("error_detection", "robustness", "bias"):
                log_estimates(nested_estimates(row.get(section, {})), prefix=f"test_{section}.")
            log_figure(overlays, "saliency_overlays.png")


def nested_estimates(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Mapping[str, Any]]:
    """``{"msp": {"auroc": {"value", "ci95"}}}`` → ``{"msp.auroc": {"value", "ci95"}}``: every
    estimate in a nested report, named by its path."""
    found: dict[str, Mapping[str, Any]] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping) and "ci95" in value:
            found[f"{prefix}{key}"] = value
        elif isinstance(value, Mapping):
            found |= nested_estimates(value, f"{prefix}{key}.")
    return found


def log_study(report: Mapping[str, Any], markdown: str, figure: Figure) -> None:
    """The user study's analysis into the run of this ``kedro run``: the report (JSON and
    Markdown), Table 3 as people judged it, and headline metrics per compared model."""
    log_dict(report, "user_study/report.json")
    log_text(markdown, "user_study/report.md")
    log_figure(figure, "user_study/table3_people.png")
    headline = {"user_study_answers": report["answers"], "user_study_participants": report["participants"]}
    for model in report["models"] if report["answers"] else []:
        headline[f"user_study_preferred_{model}"] = report["preferred"][model]["value"]
        headline[f"user_study_right_accurate_{model}"] = report["table3"][model]["right_accurate"]["value"]
    log_metrics(headline)
