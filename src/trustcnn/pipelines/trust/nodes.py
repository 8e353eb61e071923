"""Fine-tune the baseline's new conv layer with the saliency-penalised loss (eq. 7)."""

from __future__ import annotations

import logging
from typing import Any

import mlflow
from matplotlib.figure import Figure

from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.models import SplitNet, to_checkpoint
from trustcnn.plotting.curves import training_curves
from trustcnn.tracking import flatten, log_history, log_training, model_run
from trustcnn.training import grid_points, input_example, point_label, score, train_trust, trust_objective, trust_start_model

log = logging.getLogger(__name__)
History = list[dict[str, float]]


def _grid_search(
    baseline: SplitNet, train_set: ImageSet, val_set: ImageSet, trust: TrustConfig, name: str
) -> tuple[SplitNet, History, TrustConfig]:
    """Every grid point as a run nested under the variant's run; keeps the best on val."""
    best: tuple[tuple[float, float], SplitNet, History, TrustConfig, str] | None = None
    for point in grid_points(trust):
        label = f"{name}[{point_label(point)}]"
        with model_run(label) as run:
            mlflow.log_params(flatten({"optim": point.model_dump()}))
            model, history = train_trust(baseline, train_set, val_set, point, label, on_epoch=lambda r: log_history([r]))
        candidate = score(history, trust.grid.select_by)
        log.info("%s: %s = %.4f", label, trust.grid.select_by, history[-1][trust.grid.select_by])
        if best is None or candidate > best[0]:
            best = (candidate, model, history, point, run.info.run_id)
    _, model, history, chosen, run_id = best
    mlflow.MlflowClient().set_tag(run_id, "grid_selected", "true")
    mlflow.log_params({"grid.chosen_lr": chosen.lr, "grid.chosen_lam": chosen.lam, "grid.chosen_run_id": run_id})
    log.info("%s: chose %s by %s", name, point_label(chosen), trust.grid.select_by)
    log_history(history)  # the chosen point's curves, under the metric names every run shares
    return model, history, chosen


def train_trust_model(
    baseline_model: dict[str, Any], source_backbone: dict[str, Any], train_set: ImageSet, val_set: ImageSet,
    trust: TrustConfig, *, name: str = "trust",
) -> tuple[dict[str, Any], History, Figure, dict[str, str]]:
    """A trustworthy variant: the parts ``trust.trainable`` names train (by default only the
    new conv layer) from the baseline or the backbone (``trust.start_from``), each loss term
    logged per epoch; with ``trust.grid`` the best (lr, λ) on the validation split is kept."""
    baseline = trust_start_model(trust, baseline_model, source_backbone)
    with model_run(name) as run:
        if trust.grid is None:
            model, history = train_trust(baseline, train_set, val_set, trust, name, on_epoch=lambda r: log_history([r]))
            chosen = trust
        else:
            model, history, chosen = _grid_search(baseline, train_set, val_set, trust, name)
        curves = training_curves(history, f"{name} ({point_label(chosen)})")
        params = {
            "model": baseline_model["model_config"], "optim": chosen.model_dump(exclude={"grid"}), "objective": "trust_loss_eq7",
            "weight_relative_to_ce": trust_objective(chosen).weights.relative_to_ce(train_set.num_classes),
        }
        logged = log_training(name, params, history, curves, model, input_example(val_set))
    config = ModelConfig(**baseline_model["model_config"])
    run_info = {"run_id": run.info.run_id, **logged, "lr": chosen.lr, "lam": chosen.lam}
    return to_checkpoint(model, config, train_set.class_names), history, curves, run_info
