"""MobileNetV2 transfer (§4.1), VGG-16 with only features.28 trainable (§4.2), and weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchvision
from pydantic import ValidationError

from trustcnn.config import ModelConfig
from trustcnn.models import (
    backbone_checkpoint,
    baseline_parts,
    build_backbone,
    build_model,
    from_checkpoint,
    load_backbone_weights,
    model_from_backbone_checkpoint,
    to_checkpoint,
)
from trustcnn.models.torchvision_nets import torchvision_builder
from trustcnn.saliency import gradcam

MEAN, STD = [0.5] * 3, [0.25] * 3


def test_mobilenet_v2_transfer_adds_one_conv_after_the_last_conv_layer() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(name="mobilenet_v2", backbone_weights="none"), 3, MEAN, STD)
    assert isinstance(model.prefix[1][-1][0], torch.nn.Conv2d)  # features[18] = ConvBNReLU6, the last conv
    assert model.cam_layer[0].in_channels == 1280
    model.set_trainable("trust_layer")
    x = torch.rand(2, 3, 64, 64)
    assert model(x).shape == (2, 3)
    maps = gradcam(model, model.cam_layer, x, create_graph=True)
    maps.mean().backward()
    assert model.cam_layer[0].weight.grad is not None
    assert all(p.grad is None for p in model.prefix.parameters())


@pytest.fixture(scope="module")
def vgg16_state() -> dict:
    torch.manual_seed(0)
    return torchvision.models.vgg16(weights=None).state_dict()


def test_vgg16_trains_only_features_28(vgg16_state: dict) -> None:
    config = ModelConfig(name="vgg16", backbone_weights="none")
    backbone = build_backbone(config)
    backbone.load_state_dict(vgg16_state)
    checkpoint = backbone_checkpoint(backbone, config, MEAN, STD, ("a",))
    model = model_from_backbone_checkpoint(checkpoint, config, 1000)
    model.set_trainable("trust_layer")
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert [tuple(p.shape) for p in trainable] == [(512, 512, 3, 3), (512,)]
    torch.testing.assert_close(trainable[0], vgg16_state["features.28.weight"])
    assert model.head[-1][-1].out_features == 1000  # the ImageNet classifier is kept for 1000 classes
    assert baseline_parts(ModelConfig(name="vgg16", backbone_weights="source"), 1000) == ("trust_layer",)
    assert baseline_parts(ModelConfig(name="vgg16", backbone_weights="source"), 3) == ("trust_layer", "head")


def test_vgg16_checkpoint_round_trip_with_a_new_head() -> None:
    torch.manual_seed(0)
    config = ModelConfig(name="vgg16", backbone_weights="none")
    model = build_model(config, 3, MEAN, STD).eval()
    x = torch.rand(1, 3, 32, 32)
    restored = from_checkpoint(to_checkpoint(model, config, ("a", "b", "c")))
    torch.testing.assert_close(model(x), restored(x))


def test_local_state_dict_file_is_loaded(tmp_path: Path) -> None:
    torch.manual_seed(1)
    source = torchvision.models.mobilenet_v2(weights=None)
    path = tmp_path / "mobilenet.pt"
    torch.save(source.state_dict(), path)
    config = ModelConfig(name="mobilenet_v2", backbone_weights=str(path))
    backbone = build_backbone(config)
    assert load_backbone_weights(backbone, config) is not None  # ImageNet normalisation for torchvision nets
    for name, tensor in source.state_dict().items():
        torch.testing.assert_close(backbone.state_dict()[name], tensor)


def test_a_file_for_another_model_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "small.pt"
    torch.save(build_backbone(ModelConfig()).state_dict(), path)
    config = ModelConfig(name="mobilenet_v2", backbone_weights=str(path))
    with pytest.raises(ValueError, match="model.backbone_weights.*small.pt"):
        load_backbone_weights(build_backbone(config), config)


@pytest.fixture
def hub_dir(tmp_path: Path):
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    yield tmp_path
    torch.hub.set_dir(previous)


def test_imagenet_weights_missing_offline_say_how_to_provide_them(hub_dir: Path) -> None:
    config = ModelConfig(name="mobilenet_v2", backbone_weights="imagenet")
    with pytest.raises(FileNotFoundError, match="allow_download") as error:
        load_backbone_weights(build_backbone(config), config)
    assert str(hub_dir / "checkpoints") in str(error.value)


def test_imagenet_weights_come_from_torch_cache(hub_dir: Path) -> None:
    torch.manual_seed(2)
    fake = torchvision.models.mobilenet_v2(weights=None).state_dict()
    url = torchvision_builder("mobilenet_v2")[1].url
    (hub_dir / "checkpoints").mkdir()
    torch.save(fake, hub_dir / "checkpoints" / url.rsplit("/", 1)[-1])
    config = ModelConfig(name="mobilenet_v2", backbone_weights="imagenet")
    backbone = build_backbone(config)
    mean, _ = load_backbone_weights(backbone, config)
    assert mean == [0.485, 0.456, 0.406]
    torch.testing.assert_close(backbone.state_dict()["features.0.0.weight"], fake["features.0.0.weight"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"backbone_weights": "no/such/file.pt"}, "backbone_weights"),
        ({"name": "small_cnn", "backbone_weights": "imagenet"}, "imagenet"),
        ({"name": "resnet"}, "name"),
    ],
)
def test_model_config_is_validated(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ModelConfig(**kwargs)
