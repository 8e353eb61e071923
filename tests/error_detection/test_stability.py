"""Prediction agreement under Gaussian noise on the trainable layer's weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trustcnn.config import ErrorDetectionConfig
from trustcnn.data import ImageSet
from trustcnn.error_detection import prediction_features, prediction_stability


def _stability(model, x, **kwargs):
    with torch.no_grad():
        features = model.features(x)
        predictions = model(x).argmax(1)
    return prediction_stability(model, features, predictions, **kwargs)


def test_seeded_bounded_and_leaves_the_model_alone(split_net, images) -> None:
    before = {k: v.clone() for k, v in split_net.state_dict().items()}
    first = _stability(split_net, images, samples=10, sigma=0.5, seed=3)
    assert torch.equal(first, _stability(split_net, images, samples=10, sigma=0.5, seed=3))
    assert ((first >= 0) & (first <= 1)).all()
    assert all(torch.equal(v, split_net.state_dict()[k]) for k, v in before.items())


def test_tiny_noise_keeps_every_prediction_and_large_noise_flips_some(split_net, images) -> None:
    assert torch.equal(_stability(split_net, images, samples=5, sigma=1e-6, seed=0), torch.ones(6))
    x = torch.rand(64, 3, 32, 32, generator=torch.Generator().manual_seed(4))
    assert _stability(split_net, x, samples=20, sigma=3.0, seed=0).mean() < 1.0


def test_counts_agreement_with_the_given_predictions(split_net, images) -> None:
    """Against predictions no model makes (a class index that never wins), agreement is 0."""
    with torch.no_grad():
        features = split_net.features(images)
    impossible = torch.full((6,), 99)
    assert torch.equal(prediction_stability(split_net, features, impossible, samples=3, sigma=0.1, seed=0), torch.zeros(6))


@pytest.mark.parametrize("samples, sigma", [(0, 0.1), (3, 0.0)])
def test_rejects_bad_parameters(split_net, images, samples: int, sigma: float) -> None:
    with pytest.raises(ValueError, match="samples"):
        _stability(split_net, images, samples=samples, sigma=sigma, seed=0)


def test_features_scored_batch_by_batch_equal_one_batch(split_net, images) -> None:
    """The perturbed copies are drawn once, so the batch size changes no detector feature."""
    test = ImageSet((images.permute(0, 2, 3, 1) * 255).round().to(torch.uint8).numpy(), np.arange(6) % 3, ("a", "b", "c"))
    whole, batched = (
        prediction_features(split_net, test, test.labels, ErrorDetectionConfig(conductance_steps=2, stability_samples=4, batch_size=size))
        for size in (6, 4)
    )
    for name in ("conductance", "stability", "max_softmax", "wrong"):
        np.testing.assert_allclose(getattr(batched, name), getattr(whole, name), rtol=1e-5, atol=1e-6, err_msg=name)
