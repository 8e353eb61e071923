"""End-to-end training mode: which parts train, their BatchNorm/Dropout mode, the optimiser,
and variants trained from the backbone instead of the baseline."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pydantic import ValidationError
from torch import nn

from trustcnn.config import BaselineConfig, LossWeights, ModelConfig, OptimConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.losses import relative_to_ce
from trustcnn.models import SplitNet, backbone_checkpoint, build_backbone, build_model, model_from_backbone_checkpoint, to_checkpoint
from trustcnn.training import train_baseline, train_trust, trust_start_model
from trustcnn.training.loop import make_optimizer

CONFIG = ModelConfig(width=4, new_channels=8)


def _images(n: int = 32) -> ImageSet:
    rng = np.random.default_rng(0)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 8:24, 8:24] = True
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % 3, ("a", "b", "c"), masks)


def _model() -> SplitNet:
    torch.manual_seed(0)
    return build_model(CONFIG, num_classes=3, mean=[0.5] * 3, std=[0.25] * 3)


def test_end_to_end_trains_the_backbone_with_batchnorm_in_train_mode() -> None:
    model = _model()
    before = {k: v.clone() for k, v in model.prefix.state_dict().items()}
    optim = BaselineConfig(epochs=1, lr=0.05, batch_size=16, feature_cache=True, trainable="all")
    train_baseline(model, _images(), _images(), optim, parts=("backbone", "trust_layer", "head"))
    after = model.prefix.state_dict()
    moved = [k for k in before if not torch.equal(before[k], after[k])]
    assert any(k.endswith("running_mean") for k in moved), "BatchNorm statistics of a training backbone must move"
    assert any(k.endswith("weight") for k in moved)
    assert model.train().prefix.training and all(m.training for m in model.prefix.modules())


def test_only_the_parts_that_train_follow_train_mode() -> None:
    prefix = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(4, 2))
    model = SplitNet(prefix, nn.Conv2d(4, 4, 1), head)
    model.set_trainable("trust_layer")
    model.train()
    assert model.cam_layer.training and not model.head.training and not model.prefix.training
    model.suffix.train()  # what runs on cached features
    assert model.cam_layer.training and not model.head[2].training
    model.set_trainable("backbone", "trust_layer", "head")
    assert model.train().prefix.training and model.head[2].training


def test_optimiser_is_a_parameter() -> None:
    params = [nn.Parameter(torch.zeros(2))]
    assert isinstance(make_optimizer(params, OptimConfig(optimizer="adam")), torch.optim.Adam)
    sgd = make_optimizer(params, OptimConfig(momentum=0.5))
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0.5


def test_start_from_backbone_is_the_baselines_starting_point() -> None:
    torch.manual_seed(0)
    backbone = build_backbone(CONFIG)
    checkpoint = backbone_checkpoint(backbone, CONFIG, [0.5] * 3, [0.25] * 3, ("x", "y"))
    torch.manual_seed(7)
    initial = model_from_backbone_checkpoint(checkpoint, CONFIG, 3)
    trained = _model()
    trained.cam_layer[0].weight.data.add_(1.0)
    baseline = to_checkpoint(trained, CONFIG, ("a", "b", "c"))
    fresh = trust_start_model(TrustConfig(start_from="backbone", trainable="trust_layer+head", seed=7), baseline, checkpoint)
    for a, b in zip(fresh.state_dict().values(), initial.state_dict().values()):
        torch.testing.assert_close(a, b)
    again = trust_start_model(TrustConfig(), baseline, checkpoint)
    torch.testing.assert_close(again.cam_layer[0].weight, trained.cam_layer[0].weight)


def test_trust_variant_end_to_end_moves_the_backbone() -> None:
    start = _model()
    config = TrustConfig(
        epochs=1, lr=0.01, batch_size=16, trainable="all", optimizer="adam", lam=1.0, w_wrong=0.0, w_right=0.0, w_rrr_gradcam=1.0
    )
    model, history = train_trust(start, _images(), _images(), config, "rrr_gradcam")
    assert not torch.equal(model.prefix[1][0].weight, start.prefix[1][0].weight)
    assert np.isfinite(history[-1]["train_penalty_rrr_gradcam"])


def test_fresh_head_must_train() -> None:
    with pytest.raises(ValidationError, match="start_from=backbone"):
        TrustConfig(start_from="backbone")


def test_weights_relative_to_unscaled_cross_entropy() -> None:
    weights = LossWeights(lam=0.5, w_wrong=1.0, w_right=0.0, w_mask=2.0)
    assert relative_to_ce(weights, 5) == pytest.approx({"reg_confidence": 1.0, "penalty_wrong": 10.0, "loss_mask": 20.0})
    rrr = LossWeights(lam=1.0, w_wrong=0.0, w_right=0.0, w_rrr=0.001)
    assert relative_to_ce(rrr, 5) == pytest.approx({"penalty_rrr": 0.005})
    assert relative_to_ce(rrr, 10) == pytest.approx({"penalty_rrr": 0.01})
    assert relative_to_ce(LossWeights(lam=0.0), 5) == {}
