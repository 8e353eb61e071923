"""Fine-tune the baseline's new conv layer with the saliency-penalised loss (eq. 7)."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.models import from_checkpoint, to_checkpoint
from trustcnn.plotting.curves import training_curves
from trustcnn.tracking import log_history, log_training, model_run
from trustcnn.training import input_example, train_trust


def train_trust_model(
    baseline_model: dict[str, Any], train_set: ImageSet, val_set: ImageSet, trust: TrustConfig, *, name: str = "trust"
) -> tuple[dict[str, Any], list[dict[str, float]], Figure, dict[str, str]]:
    """A trustworthy variant: only the new conv layer trains, each loss term logged per epoch."""
    baseline = from_checkpoint(baseline_model)
    with model_run(name) as run:
        model, history = train_trust(baseline, train_set, val_set, trust, name, on_epoch=lambda row: log_history([row]))
        curves = training_curves(history, name)
        params = {"model": baseline_model["model_config"], "optim": trust.model_dump(), "objective": "trust_loss_eq7"}
        model_uri = log_training(params, history, curves, model, input_example(val_set))
    config = ModelConfig(**baseline_model["model_config"])
    return to_checkpoint(model, config, train_set.class_names), history, curves, {"run_id": run.info.run_id, "model_uri": model_uri}
