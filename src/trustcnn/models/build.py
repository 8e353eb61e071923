"""Build models from a :class:`~trustcnn.config.ModelConfig` and round-trip them as checkpoints.

A checkpoint is a plain dict (config, class names, normalisation, state dict) so it loads
with ``torch.load(weights_only=True)`` and rebuilds without pickling code.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trustcnn.config import ModelConfig
from trustcnn.models.small_cnn import small_cnn_backbone, small_cnn_out_channels
from trustcnn.models.splitnet import Normalize, SplitNet


def build_backbone(config: ModelConfig) -> tuple[nn.Module, int]:
    """The backbone and its number of output channels."""
    if config.name == "small_cnn":
        return small_cnn_backbone(config.width), small_cnn_out_channels(config.width)
    raise ValueError(f"unknown model.name {config.name!r}")


def transfer_net(
    backbone: nn.Module,
    backbone_channels: int,
    num_classes: int,
    config: ModelConfig,
    mean: list[float],
    std: list[float],
) -> SplitNet:
    """Paper §4.1: frozen backbone, one new conv layer after its last conv layer, GAP, linear head."""
    trust_layer = nn.Sequential(
        nn.Conv2d(backbone_channels, config.new_channels, config.kernel_size, padding=config.kernel_size // 2),
        nn.ReLU(),
    )
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(config.new_channels, num_classes))
    return SplitNet(nn.Sequential(Normalize(mean, std), backbone), trust_layer, head)


def build_model(config: ModelConfig, num_classes: int, mean: list[float], std: list[float]) -> SplitNet:
    backbone, channels = build_backbone(config)
    return transfer_net(backbone, channels, num_classes, config, mean, std)


def to_checkpoint(model: SplitNet, config: ModelConfig, class_names: tuple[str, ...]) -> dict[str, Any]:
    normalize = model.prefix[0]
    return {
        "model_config": config.model_dump(),
        "class_names": list(class_names),
        "mean": normalize.mean.flatten().tolist(),
        "std": normalize.std.flatten().tolist(),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }


def backbone_checkpoint(
    backbone: nn.Module, config: ModelConfig, mean: list[float], std: list[float], source_classes: tuple[str, ...]
) -> dict[str, Any]:
    """A pretrained (or, with ``backbone_weights: none``, random) backbone and the input
    normalisation it was trained with."""
    return {
        "model_config": config.model_dump(),
        "source_classes": list(source_classes),
        "mean": list(mean),
        "std": list(std),
        "state_dict": {k: v.detach().cpu().clone() for k, v in backbone.state_dict().items()},
    }


def transfer_from_backbone(checkpoint: dict[str, Any], config: ModelConfig, num_classes: int) -> SplitNet:
    """The transfer model over the checkpoint's backbone with a fresh new layer and head."""
    backbone, channels = build_backbone(config)
    backbone.load_state_dict(checkpoint["state_dict"])
    return transfer_net(backbone, channels, num_classes, config, checkpoint["mean"], checkpoint["std"])


def from_checkpoint(checkpoint: dict[str, Any]) -> SplitNet:
    """Rebuild a model saved by :func:`to_checkpoint`, in eval mode with everything frozen."""
    config = ModelConfig(**checkpoint["model_config"])
    model = build_model(config, len(checkpoint["class_names"]), checkpoint["mean"], checkpoint["std"])
    model.load_state_dict(checkpoint["state_dict"])
    model.set_trainable()
    return model.eval()
