"""Adding a saliency method is one class + one registry line; a loss term is one function +
one weight field — registered here, from the test itself, and trained with."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from torch import Tensor

from trustcnn.config import ModelConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.losses import TERMS, loss_term, relative_to_ce
from trustcnn.models import build_model
from trustcnn.saliency import METHODS, ClassActivationMap, register
from trustcnn.training import train_trust


def _images(n: int = 24) -> ImageSet:
    rng = np.random.default_rng(0)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 8:24, 8:24] = True
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % 3, ("a", "b", "c"), masks)


def _model():
    torch.manual_seed(0)
    return build_model(ModelConfig(width=4, new_channels=8), num_classes=3, mean=[0.5] * 3, std=[0.25] * 3)


class MaxGradCam(ClassActivationMap):
    """Channels weighted by their largest gradient instead of the mean."""

    name = "max_gradcam"

    def weigh(self, activations: Tensor, gradients: Tensor) -> Tensor:
        return gradients.amax(dim=(2, 3))


@pytest.fixture
def toy_method() -> Iterator[str]:
    register(MaxGradCam())  # the one registry line
    yield MaxGradCam.name
    del METHODS[MaxGradCam.name]


def test_a_registered_method_passes_validation_and_trains(toy_method: str) -> None:
    config = TrustConfig(saliency_method=toy_method, epochs=1, lr=0.05, batch_size=8)
    start = _model()
    model, history = train_trust(start, _images(), _images(), config, "toy")
    assert np.isfinite(history[-1]["train_penalty_right"])
    assert not torch.equal(model.cam_layer[0].weight, start.cam_layer[0].weight)


def test_an_unregistered_or_untrainable_method_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown saliency method 'max_gradcam'"):
        TrustConfig(saliency_method="max_gradcam")
    with pytest.raises(ValidationError, match="no gradient to train through"):
        TrustConfig(saliency_method="occlusion")


class ToyConfig(TrustConfig):
    w_toy: float = 0.5  # the one field


@pytest.fixture
def toy_term() -> Iterator[str]:
    @loss_term("penalty_toy", weight="w_toy", uses=("maps", "masks"))  # the one function
    def toy_penalty(maps: Tensor, masks: Tensor) -> Tensor:
        return (1.0 - maps).mean() * masks.mean()

    yield "penalty_toy"
    del TERMS["penalty_toy"]


def test_a_registered_term_is_trained_logged_and_weighed(toy_term: str) -> None:
    config = ToyConfig(epochs=1, lr=0.05, batch_size=8, w_wrong=0.0, w_right=0.0, lam=1.0)
    _, history = train_trust(_model(), _images(), _images(), config, "toy")
    assert history[-1][f"train_{toy_term}"] > 0 and f"val_{toy_term}" in history[-1]
    assert relative_to_ce(config, 3) == pytest.approx({toy_term: 0.5 * 3})
    unmasked = ImageSet(_images().images, _images().labels, ("a", "b", "c"))
    with pytest.raises(ValueError, match="w_toy > 0 need object masks"):
        train_trust(_model(), unmasked, unmasked, config, "toy")
