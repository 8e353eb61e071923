"""A compact backbone for the offline default: fast on two CPU cores."""

from __future__ import annotations

from torch import nn


def _block(c_in: int, c_out: int) -> list[nn.Module]:
    # ReLU is not in-place: in-place activations break forward hooks and double backprop.
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


def small_cnn_backbone(width: int = 16, in_channels: int = 3) -> nn.Sequential:
    """Conv feature extractor with output stride 4: 32×32 input → ``4·width`` × 8×8.

    Its last module is the last conv block, so a layer appended after it sits "after the
    last conv layer" exactly as in the paper's transfer construction.
    """
    if width < 1:
        raise ValueError(f"model.width must be ≥ 1, got {width}")
    return nn.Sequential(
        *_block(in_channels, width),
        *_block(width, width),
        nn.MaxPool2d(2),
        *_block(width, 2 * width),
        *_block(2 * width, 2 * width),
        nn.MaxPool2d(2),
        *_block(2 * width, 4 * width),
    )


def small_cnn_out_channels(width: int) -> int:
    return 4 * width
