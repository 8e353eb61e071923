"""Where the frozen backbone comes from: pretrained on the source task, loaded, or random."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from trustcnn.batches.tensors import channel_stats
from trustcnn.config import ModelConfig, OptimConfig
from trustcnn.data import ImageSet
from trustcnn.models import backbone_checkpoint, build_backbone, load_backbone_weights
from trustcnn.training.transfer import EpochCallback, History, pretrain_backbone

log = logging.getLogger(__name__)
GOOD_SOURCE_ACCURACY = 0.9


@dataclass(frozen=True)
class Backbone:
    """A backbone checkpoint, what is known of it (held-out source accuracy), and, when it
    was pretrained here, the module and its per-epoch history."""

    checkpoint: dict[str, Any]
    metrics: dict[str, Any]
    module: nn.Module
    history: History


def obtain_backbone(
    model: ModelConfig, source_train: ImageSet, source_val: ImageSet, optim: OptimConfig, on_epoch: EpochCallback = None
) -> Backbone:
    """``model.backbone_weights``: ``source`` pretrains it on the source task; ``imagenet`` or
    a file path loads weights; ``none`` keeps it random. A source backbone below 0.9 held-out
    accuracy is worth a warning: transfer from it means little."""
    torch.manual_seed(optim.seed)
    backbone = build_backbone(model)
    classes = source_train.class_names
    if model.backbone_weights != "source":
        normalisation = None if model.backbone_weights == "none" else load_backbone_weights(backbone, model)
        mean, std = normalisation or channel_stats(source_train, optim.memory_budget_mb)
        metrics: dict[str, Any] = {"weights": model.backbone_weights, "accuracy": None}
        return Backbone(backbone_checkpoint(backbone, model, mean, std, classes), metrics, backbone, [])
    mean, std, history = pretrain_backbone(backbone, model, source_train, source_val, optim, on_epoch)
    accuracy = history[-1]["val_accuracy"]
    log.info("source backbone held-out accuracy: %.3f", accuracy)
    if accuracy < GOOD_SOURCE_ACCURACY:
        log.warning("source backbone accuracy %.3f < %.2f: transfer from it means little; train it longer", accuracy, GOOD_SOURCE_ACCURACY)
    metrics = {"weights": "source", "accuracy": accuracy, "epochs": len(history)}
    return Backbone(backbone_checkpoint(backbone, model, mean, std, classes), metrics, backbone, history)
