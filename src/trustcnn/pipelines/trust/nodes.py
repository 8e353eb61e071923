"""Train a trust variant with the saliency-penalised loss (eq. 7 and its companions)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from trustcnn import tracking
from trustcnn.batches import input_example
from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.data.human_masks import HumanMasks
from trustcnn.losses import objective, relative_to_ce
from trustcnn.models import to_checkpoint
from trustcnn.plotting.curves import training_curves
from trustcnn.training import fit_variant, point_label, trust_start_model, variant_splits

History = list[dict[str, float]]


def train_trust_model(
    baseline_model: dict[str, Any],
    source_backbone: dict[str, Any],
    train_set: ImageSet,
    val_set: ImageSet,
    trust: TrustConfig,
    human_masks: dict[str, np.ndarray] | None = None,
    *,
    name: str = "trust",
) -> tuple[dict[str, Any], History, Figure, dict[str, str]]:
    """A trustworthy variant: the parts ``trust.trainable`` names train (by default only the
    new conv layer) from the baseline or the backbone (``trust.start_from``), each loss term
    logged per epoch; with ``trust.grid`` every point is a nested run and the best on the
    validation split is kept. ``masks: human`` variants get the ``human_masks`` dataset."""
    start = trust_start_model(trust, baseline_model, source_backbone)
    human = None if human_masks is None else HumanMasks.from_arrays(human_masks)
    train, val = variant_splits(trust, train_set, val_set, human, name)
    with tracking.model_run(name) as run:
        grid = tracking.GridRuns()
        fit = fit_variant(start, train, val, trust, name, on_epoch=tracking.log_epoch, point_run=grid.point)
        grid.select(fit)
        curves = training_curves(fit.history, f"{name} ({point_label(fit.chosen)})")
        params = {
            "model": baseline_model["model_config"],
            "optim": fit.chosen.model_dump(exclude={"grid"}),
            "objective": objective(fit.chosen),
            "weight_relative_to_ce": relative_to_ce(fit.chosen, train_set.num_classes),
            **({} if human is None else {"human_masks": {"images": len(human.has_mask), "marked": human.marked}}),
        }
        logged = tracking.log_training(name, params, fit.history, curves, fit.model, input_example(val_set))
    checkpoint = to_checkpoint(fit.model, ModelConfig(**baseline_model["model_config"]), train_set.class_names)
    return checkpoint, fit.history, curves, {"run_id": run.info.run_id, **logged, "lr": fit.chosen.lr, "lam": fit.chosen.lam}
