"""Get the backbone (source-task pretraining, ImageNet or a file), then train the
cross-entropy baseline on top of it — and, the same way on the same images without their
decoys, the no-decoy reference that the shortcut's damage is measured against."""

from __future__ import annotations

import logging
from typing import Any

import torch
from matplotlib.figure import Figure

from trustcnn.config import BaselineConfig, ModelConfig, OptimConfig
from trustcnn.data import ImageSet
from trustcnn.models import (
    backbone_checkpoint,
    baseline_parts,
    build_backbone,
    load_backbone_weights,
    model_from_backbone_checkpoint,
    to_checkpoint,
)
from trustcnn.plotting.curves import training_curves
from trustcnn.tracking import log_history, log_training, model_run
from trustcnn.training import channel_stats, default_device, input_example, pretrain_backbone, train_baseline

log = logging.getLogger(__name__)


def prepare_backbone(
    source_train_set: ImageSet, source_val_set: ImageSet, model: ModelConfig, source_training: OptimConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The backbone as a checkpoint, and what is known of it (held-out source accuracy).

    ``source`` pretrains it on the source task (its own MLflow run); ``imagenet`` or a
    file path loads weights; ``none`` keeps it random.
    """
    torch.manual_seed(source_training.seed)
    backbone = build_backbone(model)
    classes = source_train_set.class_names
    if model.backbone_weights != "source":
        normalisation = None if model.backbone_weights == "none" else load_backbone_weights(backbone, model)
        mean, std = normalisation or channel_stats(source_train_set)
        return backbone_checkpoint(backbone, model, mean, std, classes), {"weights": model.backbone_weights, "accuracy": None}
    with model_run("source_backbone"):
        mean, std, history = pretrain_backbone(
            backbone, model, source_train_set, source_val_set, source_training, on_epoch=lambda row: log_history([row])
        )
        params = {"model": model.model_dump(), "optim": source_training.model_dump()}
        curves = training_curves(history, "source backbone")
        log_training("source_backbone", params, history, curves, backbone, input_example(source_val_set))
    accuracy = history[-1]["val_accuracy"]
    log.info("source backbone held-out accuracy: %.3f", accuracy)
    if accuracy < 0.9:
        log.warning("source backbone accuracy %.3f < 0.90: transfer from it means little; train it longer", accuracy)
    checkpoint = backbone_checkpoint(backbone, model, mean, std, classes)
    return checkpoint, {"weights": "source", "accuracy": accuracy, "epochs": len(history)}


def train_baseline_model(
    source_backbone: dict[str, Any], train_set: ImageSet, val_set: ImageSet, model: ModelConfig, baseline: BaselineConfig,
    *, name: str = "baseline",
) -> tuple[dict[str, Any], list[dict[str, float]], Figure, dict[str, str]]:
    """Add the new conv layer + head to the backbone, train the parts ``baseline.trainable``
    names (by default the new layer and the head; the backbone stays frozen) with cross
    entropy."""
    torch.manual_seed(baseline.seed)
    net = model_from_backbone_checkpoint(source_backbone, model, train_set.num_classes).to(default_device())
    parts = baseline_parts(model, train_set.num_classes, baseline.trainable)
    with model_run(name) as run:
        history = train_baseline(net, train_set, val_set, baseline, on_epoch=lambda row: log_history([row]), parts=parts, desc=name)
        curves = training_curves(history, name)
        params = {"model": model.model_dump(), "optim": baseline.model_dump(), "objective": "cross_entropy"}
        logged = log_training(name, params, history, curves, net, input_example(val_set))
    return to_checkpoint(net, model, train_set.class_names), history, curves, {"run_id": run.info.run_id, **logged}
