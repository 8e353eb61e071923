"""The three training steps of the transfer experiment, as library functions.

1. :func:`pretrain_backbone` — the offline stand-in for ImageNet pretraining: train the
   backbone with a temporary head on the *source* task, keep the backbone
   (:mod:`trustcnn.training.backbone` chooses between that and loading weights).
2. :func:`train_baseline` — freeze it, add the new conv layer + head, train both with
   cross entropy (eq. 1).
3. :func:`train_trust` — from the baseline (or from the backbone, see
   :func:`trust_start_model`), train the parts ``trainable`` names — by default only the new
   conv layer — with eq. 7.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from trustcnn.batches import default_device
from trustcnn.batches.tensors import SplitData, channel_stats
from trustcnn.config import BaselineConfig, ModelConfig, OptimConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.data.human_masks import HumanMasks, no_masks
from trustcnn.losses import active_terms, needs
from trustcnn.models import (
    TRAINABLE_PARTS,
    Normalize,
    SplitNet,
    feature_extractor,
    from_checkpoint,
    model_from_backbone_checkpoint,
)
from trustcnn.runtime.errors import ParameterError
from trustcnn.saliency import trainable_method
from trustcnn.training.loop import fit
from trustcnn.training.objectives import CrossEntropyObjective, SaliencyObjective

History = list[dict[str, float]]
EpochCallback = Callable[[dict[str, float]], None] | None


def pretrain_backbone(
    backbone: nn.Module,
    config: ModelConfig,
    source_train: ImageSet,
    source_val: ImageSet,
    optim: OptimConfig,
    on_epoch: EpochCallback = None,
) -> tuple[list[float], list[float], History]:
    """Train ``backbone``'s feature extractor with a temporary GAP + linear head on the
    source task, in place. Returns the input normalisation used and the history; the last
    epoch's ``val_accuracy`` is the held-out source accuracy."""
    torch.manual_seed(optim.seed)
    features, channels = feature_extractor(backbone, config)
    mean, std = channel_stats(source_train, optim.memory_budget_mb)
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, source_train.num_classes))
    net = SplitNet(Normalize(mean, std), features, head).to(default_device())
    net.set_trainable("trust_layer", "head")
    history = fit(
        net,
        SplitData.of(source_train),
        SplitData.of(source_val),
        CrossEntropyObjective(),
        optim,
        use_cache=False,
        desc="source backbone",
        on_epoch=on_epoch,
    )
    backbone.cpu()
    return mean, std, history


def train_baseline(
    model: SplitNet,
    train: ImageSet,
    val: ImageSet,
    optim: BaselineConfig,
    on_epoch: EpochCallback = None,
    parts: tuple[str, ...] = ("trust_layer", "head"),
    desc: str = "baseline",
) -> History:
    """Cross entropy on ``parts`` (by default the trust layer and head: the backbone stays
    frozen)."""
    model.set_trainable(*parts)
    return fit(
        model,
        SplitData.of(train),
        SplitData.of(val),
        CrossEntropyObjective(),
        optim,
        use_cache=optim.feature_cache,
        desc=desc,
        on_epoch=on_epoch,
    )


def trust_objective(config: TrustConfig) -> SaliencyObjective:
    """The trust loss with ``config``'s weights on its saliency method's maps."""
    return SaliencyObjective(config, trainable_method(config.saliency_method))


def model_on_backbone(backbone: dict[str, Any], config: ModelConfig, num_classes: int, seed: int) -> SplitNet:
    """A fresh trust layer and head (initialised from ``seed``) over the ``backbone``
    checkpoint, on the default device: where the baseline starts."""
    torch.manual_seed(seed)
    return model_from_backbone_checkpoint(backbone, config, num_classes).to(default_device())


def trust_start_model(config: TrustConfig, baseline: dict[str, Any], backbone: dict[str, Any]) -> SplitNet:
    """Where a variant starts: the trained ``baseline`` checkpoint (``start_from: baseline``,
    the paper's fine-tuning) or where the baseline started, :func:`model_on_backbone`
    (``start_from: backbone``: trained from scratch with the penalty, the setting RRR was
    published in), initialised from ``config.seed``."""
    if config.start_from == "baseline":
        return from_checkpoint(baseline)
    return model_on_backbone(backbone, ModelConfig(**baseline["model_config"]), len(baseline["class_names"]), config.seed)


def variant_splits(config: TrustConfig, train: ImageSet, val: ImageSet, human: HumanMasks | None, name: str) -> tuple[ImageSet, ImageSet]:
    """The splits a variant trains on: as they are (``masks: data``), or with people's masks
    on the training images they marked and none on the validation split (``masks: human``)."""
    if config.masks == "data":
        return train, val
    if human is None:
        raise ValueError(f"{name}: masks: human needs the human_masks dataset (kedro run --pipelines=human_masks)")
    return human.on(train), no_masks(val)


def train_trust(
    start: SplitNet, train: ImageSet, val: ImageSet, config: TrustConfig, name: str, on_epoch: EpochCallback = None
) -> tuple[SplitNet, History]:
    """Train a copy of ``start`` with eq. 7; the parts ``config.trainable`` names train
    (the paper, §3.2: only the new conv layer)."""
    objective = trust_objective(config)
    if needs(config, "masks") and train.masks is None:
        active = ", ".join(t.weight for t in active_terms(config) if "masks" in t.uses)
        raise ParameterError(f"{name}: {active} > 0 need object masks, and the training data has none")
    model = copy.deepcopy(start).to(default_device())
    model.set_trainable(*TRAINABLE_PARTS[config.trainable])
    history = fit(
        model,
        SplitData.of(train),
        SplitData.of(val),
        objective,
        config,
        use_cache=config.feature_cache and not objective.needs_input,
        desc=name,
        on_epoch=on_epoch,
    )
    return model, history
