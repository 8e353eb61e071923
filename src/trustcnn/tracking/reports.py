"""What each step of the experiment records in MLflow — the nodes call these, never MLflow.

All model runs log the same metric names, so the UI's Compare view lines them up: training
curves under ``training/``, then the evaluation's ``test_*`` (added to the finished run, whose
duration stays its training's). The run of the ``kedro run`` that evaluates gets a few headline
numbers per model (``baseline.accuracy``, ``rrr.gap_closed``, …: ``dvc metrics show``'s).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import mlflow
import numpy as np
from matplotlib.figure import Figure
from torch import nn

from trustcnn.config import TrustConfig
from trustcnn.losses import uses_maps
from trustcnn.metrics import format_estimate
from trustcnn.plotting.curves import training_curves
from trustcnn.replicates.layout import is_replicate_experiment
from trustcnn.tracking.datasets import inherit_inputs
from trustcnn.tracking.models import active_experiment, log_torch_model, set_champion
from trustcnn.tracking.runs import (
    estimate_metrics,
    evaluated_run,
    log_dict,
    log_dict_to,
    log_epoch,
    log_figure,
    log_figure_to,
    log_history,
    log_metrics,
    log_metrics_to,
    log_params,
    log_text,
    model_run,
    provenance_of,
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
    """Everything a training node records in its model's run: flat params, the curves figure
    and the registered model, described by what trained it on which data (the curves were
    streamed epoch by epoch). Returns what :func:`~trustcnn.tracking.models.log_torch_model` does."""
    log_params(params)
    log_figure(curves, "training_curves.png")
    run = mlflow.active_run()
    data = {k: v for k, v in provenance_of(run.info.run_id).items() if ".data." in k} if run else {}
    tags = {k: str(v) for k, v in {"objective": params.get("objective"), **data}.items() if v is not None}
    return log_torch_model(model, input_example, model_name, model_description(model_name, params, data), tags)


def model_description(model_name: str, params: Mapping[str, Any], data: Mapping[str, str]) -> str:
    """``trust_mask: objective ce+eq4+eq5+eq6+loss_mask on gradcam maps; trust_layer trained
    from baseline, 20 epochs, lr 0.05, lam 0.5. Data (DVC md5): train_set 1a2b…``; a variant
    on human masks says on how many images people marked them."""
    optim = params.get("optim", {})
    what = f"{model_name}: objective {params['objective']}" if "objective" in params else model_name
    if optim.get("saliency_method") and uses_maps(params.get("objective", "ce")):
        what += f" on {optim['saliency_method']} maps"
    how = ", ".join(f"{label} {optim[key]}" for key, label in (("epochs", "epochs"), ("lr", "lr"), ("lam", "lam")) if key in optim)
    trained = f"{optim.get('trainable', '')} trained from {optim['start_from']}" if "start_from" in optim else ""
    sentence = "; ".join(part for part in (what, ", ".join(p for p in (trained, how) if p)) if part)
    if (human := params.get("human_masks")) is not None:
        sentence += f"; masks people marked on {human['marked']} of {human['images']} training images"
        sentence += "" if human["marked"] else " (none yet: trained without its mask term)"
    hashes = ", ".join(f"{k.split('.data.')[1].removesuffix('.md5')} {v[:12]}" for k, v in sorted(data.items()))
    return f"{sentence}.{f' Data (DVC md5): {hashes}.' if hashes else ''}"


def log_backbone(backbone: Backbone, params: Mapping[str, Any], input_example: np.ndarray) -> None:
    """Where the backbone came from; when it was pretrained here, its curves and the model."""
    log_params({**params, "weights": backbone.metrics["weights"]})
    if backbone.history:
        curves = training_curves(backbone.history, "source backbone")
        log_training("source_backbone", {"objective": "ce"}, backbone.history, curves, backbone.module, input_example)


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
    """Figures (``{filename: figure}``) into model ``name``'s (finished) run."""
    run_id = evaluated_run(run, name)
    for filename, figure in figures.items():
        log_figure_to(run_id, figure, filename)


def log_criticism(run: Mapping[str, str], name: str, report: Mapping[str, Any], figure: Figure) -> None:
    """Model ``name``'s criticism (``criticism.json``) and its figure into its (finished) run."""
    run_id = evaluated_run(run, name)
    log_dict_to(run_id, report, "criticism.json")
    log_figure_to(run_id, figure, "criticism.png")


def log_comparison(
    metrics: Mapping[str, Any],
    texts: Mapping[str, str],
    images: Mapping[str, np.ndarray],
    overlays: np.ndarray,
    runs: Mapping[str, Mapping[str, str]],
    headline: Mapping[str, Mapping[str, Any]],
    reference: str,
) -> None:
    """The comparison of every model: ``texts`` and ``images`` (by filename), metrics.json and
    the ``headline`` numbers per model into the run of this ``kedro run``, tagged with the
    champion, whose registered version gets the ``champion`` alias and a description saying why
    (beside the ``reference`` model); each model's test estimates (same names in every run), the
    ``overlays`` grid and the test split (a dataset input) into its own run."""
    champion = metrics["champion"]["model"]
    criterion = metrics["champion"]["criterion"]
    set_tags({"trustcnn.champion": champion, "trustcnn.champion_criterion": criterion})
    if "registered_model" in runs[champion]:
        set_champion(runs[champion]["registered_model"], runs[champion]["model_version"], why_champion(metrics, reference), criterion)
    elif not is_replicate_experiment(active_experiment()):  # a replicate registers nothing, by design
        log.warning("%s was trained before models were registered; re-train it to give it the champion alias", champion)
    log_metrics(headline_metrics(headline))
    for filename, text in texts.items():
        log_text(text, filename)
    for filename, image in images.items():
        log_figure(image, filename)
    log_dict(metrics, "metrics.json")
    evaluation = mlflow.active_run()
    for name, run in runs.items():
        run_id = evaluated_run(run, name)
        if evaluation is not None:  # the test split it was scored on joins its training splits
            inherit_inputs(evaluation.info.run_id, run_id, contexts={"test"})
        log_metrics_to(run_id, model_test_metrics(metrics["models"][name]))
        log_figure_to(run_id, overlays, "saliency_overlays.png")


def headline_metrics(headline: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """``{"baseline.accuracy": …, "rrr.gap_closed": …}``: the headline numbers per model
    (:func:`trustcnn.evaluation.headline`'s, those defined), prefixed with the model's name."""
    return {
        f"{name}.{column}": float(value)
        for name, row in headline.items()
        for column, value in row.items()
        if value is not None and not isinstance(value, bool)
    }


def model_test_metrics(row: Mapping[str, Any]) -> dict[str, float]:
    """A model's test estimates as ``test_<name>`` (with ``_ci_low``/``_ci_high``), its case
    shares as ``test_case_<case>``, its error-detection, robustness and bias reports as
    ``test_<section>.<path>``."""
    found = estimate_metrics(row)
    if "case_shares" in row:
        found |= estimate_metrics(row["case_shares"]["overall"], prefix="test_case_")
    for section in ("error_detection", "robustness", "bias"):
        found |= estimate_metrics(nested_estimates(row.get(section, {})), prefix=f"test_{section}.")
    return found


def why_champion(metrics: Mapping[str, Any], reference: str) -> str:
    """The champion's numbers beside the ``reference`` model's, in words."""
    name, models = metrics["champion"]["model"], metrics["models"]

    def described(model: str) -> str:
        row = models[model]
        parts = [f"accuracy {format_estimate(row['accuracy'])}"]
        if "decoy_flip_rate" in row:
            parts.append(f"decoy flip rate {format_estimate(row['decoy_flip_rate'])}")
        if "case_shares" in row:
            parts.append(f"right for an accurate reason {format_estimate(row['case_shares']['overall']['right_accurate'])}")
        return ", ".join(parts)

    versus = "" if name == reference else f"; {reference}: {described(reference)}"
    champion = metrics["champion"]
    if "seeds" in champion:  # chosen across the replicates' seeds; the numbers described are this run's
        across = f"chosen across seeds {champion['seeds']} (this run's own pick: {champion['this_seed']['model']}); this run: "
        return f"{name} — {across}{described(name)}{versus}. Criterion: {champion['criterion']}."
    return f"{name} — {described(name)}{versus}. Criterion: {champion['criterion']}."


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
    for model, row in report.get("criticism", {}).get("models", {}).items():  # the criticism block, when answered
        headline[f"user_study_names_decoy_{model}"] = row["names_decoy"]["value"]
    log_metrics(headline)


def log_replicates(summary: Mapping[str, Any], markdown: str, forest: Figure) -> None:
    """The summary across seeds into the run of this ``kedro run``: ``replicates/summary.json``,
    ``summary.md`` and ``forest.png``, tags ``trustcnn.seeds`` and ``trustcnn.champion_across_seeds``,
    and each model's mean over seeds of the headline metrics (``<model>.<metric>.mean``)."""
    champion = summary.get("champion") or {}
    set_tags({"trustcnn.seeds": ",".join(map(str, summary["seeds"])), "trustcnn.champion_across_seeds": champion.get("model", "none")})
    log_dict(summary, "replicates/summary.json")
    log_text(markdown, "replicates/summary.md")
    log_figure(forest, "replicates/forest.png")
    log_metrics(
        {
            f"{name}.{metric}.mean": stats["mean"]
            for name, row in summary["models"].items()
            for metric, stats in row.items()
            if metric in summary["headline"] and stats.get("mean") is not None
        }
    )
