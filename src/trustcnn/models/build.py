"""Build models from a :class:`~trustcnn.config.ModelConfig` and round-trip them as checkpoints.

Two shapes, both :class:`SplitNet`:

- transfer (``small_cnn``, ``mobilenet_v2``; paper §4.1): frozen backbone features → one
  new conv layer after the last conv layer → global average pooling → linear head;
- ``vgg16`` (paper §4.2): the whole network, only ``features.28`` trainable.

The *backbone* is what pretraining produces and a checkpoint carries: the ``small_cnn``
feature extractor, or the whole torchvision model. Checkpoints are plain dicts (config,
class names, normalisation, state dict): they load with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import torch
from torch import nn

from trustcnn.config import ModelConfig
from trustcnn.models.small_cnn import small_cnn_backbone, small_cnn_out_channels
from trustcnn.models.splitnet import TRAINABLE_PARTS, Normalize, SplitNet
from trustcnn.models.torchvision_nets import (
    FEATURE_CHANNELS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    imagenet_state_dict,
    torchvision_net,
    vgg16_parts,
)
from trustcnn.runtime.errors import ParameterError


def build_backbone(config: ModelConfig) -> nn.Module:
    """A randomly initialised backbone."""
    if config.name == "small_cnn":
        return small_cnn_backbone(config.width)
    return torchvision_net(config.name)


def feature_extractor(backbone: nn.Module, config: ModelConfig) -> tuple[nn.Module, int]:
    """The part of the backbone that maps images to feature maps, and its channels."""
    if config.name == "small_cnn":
        return backbone, small_cnn_out_channels(config.width)
    return cast(nn.Module, backbone.features), FEATURE_CHANNELS[config.name]


def load_backbone_weights(backbone: nn.Module, config: ModelConfig) -> tuple[list[float], list[float]] | None:
    """Load ``imagenet`` or local-file weights into ``backbone``; returns the input
    normalisation they expect (``None``: use the data's own statistics)."""
    if config.backbone_weights == "imagenet":
        backbone.load_state_dict(imagenet_state_dict(config.name, config.allow_download))
        return IMAGENET_MEAN, IMAGENET_STD
    path = Path(config.backbone_weights)
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and "model_config" in state:  # a trustcnn checkpoint
        state = state["state_dict"]
    try:
        backbone.load_state_dict(state)
    except RuntimeError as error:
        reason = (str(error).strip().splitlines() or [""])[0]
        raise ParameterError(f"model.backbone_weights: {path} does not hold a {config.name} state dict ({reason})") from error
    return None if config.name == "small_cnn" else (IMAGENET_MEAN, IMAGENET_STD)


def model_from_backbone(backbone: nn.Module, config: ModelConfig, num_classes: int, mean: list[float], std: list[float]) -> SplitNet:
    """The trainable model over ``backbone`` (consumed): transfer construction or VGG-16."""
    if config.name == "vgg16":
        prefix, trust_layer, head = vgg16_parts(backbone, num_classes)
        return SplitNet(nn.Sequential(Normalize(mean, std), prefix), trust_layer, head)
    features, channels = feature_extractor(backbone, config)
    trust_layer = nn.Sequential(
        nn.Conv2d(channels, config.new_channels, config.kernel_size, padding=config.kernel_size // 2),
        nn.ReLU(),
    )
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(config.new_channels, num_classes))
    return SplitNet(nn.Sequential(Normalize(mean, std), features), trust_layer, head)


def build_model(config: ModelConfig, num_classes: int, mean: list[float], std: list[float]) -> SplitNet:
    return model_from_backbone(build_backbone(config), config, num_classes, mean, std)


def baseline_parts(config: ModelConfig, num_classes: int, trainable: str = "trust_layer+head") -> tuple[str, ...]:
    """What the cross-entropy baseline trains: the parts ``trainable`` names, except the
    head when it is VGG-16's own pretrained 1000-way classifier (paper §4.2 trains only
    features.28)."""
    keeps_imagenet_head = config.name == "vgg16" and num_classes == 1000 and config.backbone_weights != "none"
    return tuple(p for p in TRAINABLE_PARTS[trainable] if not (keeps_imagenet_head and p == "head"))


def backbone_checkpoint(
    backbone: nn.Module, config: ModelConfig, mean: list[float], std: list[float], source_classes: tuple[str, ...]
) -> dict[str, Any]:
    """A pretrained (or random) backbone and the input normalisation it expects."""
    return {
        "model_config": config.model_dump(),
        "source_classes": list(source_classes),
        "mean": list(mean),
        "std": list(std),
        "state_dict": {k: v.detach().cpu().clone() for k, v in backbone.state_dict().items()},
    }


def model_from_backbone_checkpoint(checkpoint: dict[str, Any], config: ModelConfig, num_classes: int) -> SplitNet:
    """The model over the checkpoint's backbone, with a fresh trust layer (and head)."""
    backbone = build_backbone(config)
    backbone.load_state_dict(checkpoint["state_dict"])
    return model_from_backbone(backbone, config, num_classes, checkpoint["mean"], checkpoint["std"])


def to_checkpoint(model: SplitNet, config: ModelConfig, class_names: tuple[str, ...]) -> dict[str, Any]:
    normalize = cast(nn.Sequential, model.prefix)[0]
    assert isinstance(normalize, Normalize)  # model_from_backbone puts it first
    return {
        "model_config": config.model_dump(),
        "class_names": list(class_names),
        "mean": normalize.mean.flatten().tolist(),
        "std": normalize.std.flatten().tolist(),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }


def from_checkpoint(checkpoint: dict[str, Any]) -> SplitNet:
    """Rebuild a model saved by :func:`to_checkpoint`, in eval mode with everything frozen."""
    config = ModelConfig(**checkpoint["model_config"])
    model = build_model(config, len(checkpoint["class_names"]), checkpoint["mean"], checkpoint["std"])
    model.load_state_dict(checkpoint["state_dict"])
    model.set_trainable()
    return model.eval()
