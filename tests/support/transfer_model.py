"""A small transfer model (frozen backbone, trainable layer, head) and images for it: the
fixtures of the detection and robustness tests (their conftests import them)."""

from __future__ import annotations

import pytest
import torch

from trustcnn.config import ModelConfig
from trustcnn.models import SplitNet, build_model


@pytest.fixture
def split_net() -> SplitNet:
    """At initialisation the head's bias decides every prediction; zeroing it and scaling the
    head's weights to a trained model's logit range spreads the predictions over the classes."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(width=4, new_channels=8), num_classes=3, mean=[0.5] * 3, std=[0.25] * 3).eval()
    with torch.no_grad():
        model.head[-1].bias.zero_()
        model.head[-1].weight.mul_(50)
    return model


@pytest.fixture
def images() -> torch.Tensor:
    return torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(1))
