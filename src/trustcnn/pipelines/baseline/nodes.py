"""Pretrain the backbone on the source task, then train the cross-entropy baseline."""

from __future__ import annotations

import logging
from typing import Any

import torch
from matplotlib.figure import Figure

from trustcnn.config import ModelConfig, OptimConfig
from trustcnn.data import ImageSet
from trustcnn.models import backbone_checkpoint, build_backbone, to_checkpoint, transfer_from_backbone
from trustcnn.plotting.curves import training_curves
from trustcnn.tracking import log_history, log_training, model_run
from trustcnn.training import channel_stats, default_device, input_example, pretrain_backbone, train_baseline

log = logging.getLogger(__name__)


def pretrain_source_backbone(
    source_train_set: ImageSet, source_val_set: ImageSet, model: ModelConfig, source_training: OptimConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The source-task backbone as a checkpoint, and its held-out accuracy.

    With ``model.backbone_weights: none`` nothing is trained: the checkpoint holds a
    randomly initialised backbone and the accuracy is ``None``.
    """
    if model.backbone_weights == "none":
        torch.manual_seed(source_training.seed)
        backbone, _ = build_backbone(model)
        mean, std = channel_stats(source_train_set)
        checkpoint = backbone_checkpoint(backbone, model, mean, std, source_train_set.class_names)
        return checkpoint, {"weights": "none", "accuracy": None}
    with model_run("source_backbone"):
        net, history = pretrain_backbone(
            model, source_train_set, source_val_set, source_training, on_epoch=lambda row: log_history([row])
        )
        params = {"model": model.model_dump(), "optim": source_training.model_dump()}
        log_training(params, history, training_curves(history, "source backbone"), net, input_example(source_val_set))
    accuracy = history[-1]["val_accuracy"]
    log.info("source backbone held-out accuracy: %.3f", accuracy)
    if accuracy < 0.9:
        log.warning("source backbone accuracy %.3f < 0.90: transfer from it means little; train it longer", accuracy)
    normalize = net.prefix
    checkpoint = backbone_checkpoint(
        net.cam_layer, model, normalize.mean.flatten().tolist(), normalize.std.flatten().tolist(),
        source_train_set.class_names,
    )
    return checkpoint, {"weights": "source", "accuracy": accuracy, "epochs": len(history)}


def train_baseline_model(
    source_backbone: dict[str, Any], train_set: ImageSet, val_set: ImageSet, model: ModelConfig, baseline: OptimConfig
) -> tuple[dict[str, Any], list[dict[str, float]], Figure, dict[str, str]]:
    """Freeze the backbone, add the new conv layer + head, train them with cross entropy."""
    torch.manual_seed(baseline.seed)
    net = transfer_from_backbone(source_backbone, model, train_set.num_classes).to(default_device())
    with model_run("baseline") as run:
        history = train_baseline(net, train_set, val_set, baseline, on_epoch=lambda row: log_history([row]))
        curves = training_curves(history, "baseline")
        params = {"model": model.model_dump(), "optim": baseline.model_dump(), "objective": "cross_entropy"}
        model_uri = log_training(params, history, curves, net, input_example(val_set))
    return to_checkpoint(net, model, train_set.class_names), history, curves, {"run_id": run.info.run_id, "model_uri": model_uri}
