"""The transfer construction: what trains, what stays frozen, and checkpoints."""

from __future__ import annotations

import torch

from trustcnn.config import ModelConfig
from trustcnn.models import build_model, from_checkpoint, to_checkpoint

CONFIG = ModelConfig(width=4, new_channels=8)


def _model():
    torch.manual_seed(0)
    return build_model(CONFIG, num_classes=3, mean=[0.5] * 3, std=[0.25] * 3)


def test_new_layer_sits_after_the_backbone_and_maps_are_at_its_resolution() -> None:
    model = _model()
    features = model.features(torch.rand(2, 3, 32, 32))
    assert features.shape == (2, 4 * CONFIG.width, 8, 8)
    assert model.cam_layer[0].in_channels == 4 * CONFIG.width
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 3)


def test_set_trainable_freezes_everything_else() -> None:
    model = _model()
    model.set_trainable("trust_layer")
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"suffix.0.0.weight", "suffix.0.0.bias"}
    model.set_trainable("trust_layer", "head")
    assert {name for name, p in model.named_parameters() if p.requires_grad} == trainable | {
        "suffix.1.2.weight",
        "suffix.1.2.bias",
    }


def test_frozen_backbone_stays_in_eval_mode() -> None:
    model = _model().train()
    assert not any(m.training for m in model.prefix.modules())
    assert model.suffix.training
    before = model.prefix[1][1].running_mean.clone()
    model(torch.rand(4, 3, 32, 32))
    assert torch.equal(model.prefix[1][1].running_mean, before)


def test_checkpoint_round_trip_gives_the_same_outputs() -> None:
    model = _model().eval()
    x = torch.rand(3, 3, 32, 32)
    checkpoint = to_checkpoint(model, CONFIG, ("a", "b", "c"))
    restored = from_checkpoint(checkpoint)
    assert torch.equal(model(x), restored(x))
    assert not any(p.requires_grad for p in restored.parameters())
