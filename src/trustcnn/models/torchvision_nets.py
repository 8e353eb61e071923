"""MobileNetV2 (paper §4.1) and VGG-16 (paper §4.2) from torchvision, offline-safe.

ImageNet weights come from torch's hub cache; trustcnn never downloads them unless
``model.allow_download`` is set, so a run without network fails at once with a message
that says where to put the file instead of hanging on a download.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from torch import nn

from trustcnn.runtime.errors import MissingFileError

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
FEATURE_CHANNELS = {"mobilenet_v2": 1280, "vgg16": 512}  # what the backbone's last feature map has
VGG16_TRUST_LAYER = 28  # features.28: the conv layer closest to the classifier (paper §4.2)


def torchvision_builder(name: str) -> tuple[Any, Any]:
    """(model constructor, ImageNet weights enum) of ``name``. torchvision is imported here, not at
    module level: its import pulls in ``torch._dynamo`` (≈1.5 s), which every ``kedro run`` process
    would pay although the default model is the small CNN."""
    import torchvision.models

    return {
        "mobilenet_v2": (torchvision.models.mobilenet_v2, torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1),
        "vgg16": (torchvision.models.vgg16, torchvision.models.VGG16_Weights.IMAGENET1K_V1),
    }[name]


def torchvision_net(name: str) -> nn.Module:
    """A randomly initialised torchvision model with every ReLU made out of place
    (in-place activations break hooks and double backprop)."""
    net = torchvision_builder(name)[0](weights=None)
    for module in net.modules():
        if isinstance(module, (nn.ReLU, nn.ReLU6)):
            module.inplace = False
    return net


def imagenet_state_dict(name: str, allow_download: bool) -> dict[str, torch.Tensor]:
    weights = torchvision_builder(name)[1]
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(weights.url).path).name
    if cached.is_file():
        return torch.load(cached, map_location="cpu", weights_only=True)
    if not allow_download:
        raise MissingFileError(
            f"model.backbone_weights=imagenet: the ImageNet weights of {name} are not in torch's cache "
            f"({cached}) and model.allow_download is false. Download {weights.url} where there is a network "
            f"and copy it to that path (or point TORCH_HOME at a folder holding hub/checkpoints/), set "
            "model.allow_download=true on a machine with network, or set model.backbone_weights to a local "
            "state-dict file."
        )
    return weights.get_state_dict(progress=True)


def vgg16_parts(net: Any, num_classes: int) -> tuple[nn.Module, nn.Module, nn.Module]:
    """(frozen prefix, trust layer = features.28 + its ReLU, head = the rest of VGG-16).

    The 1000-way ImageNet classifier is kept for 1000 classes; otherwise its last linear
    layer is replaced by a new one for ``num_classes``.
    """
    features = net.features
    if num_classes != net.classifier[-1].out_features:
        net.classifier[-1] = nn.Linear(net.classifier[-1].in_features, num_classes)
    prefix = features[:VGG16_TRUST_LAYER]
    trust_layer = features[VGG16_TRUST_LAYER : VGG16_TRUST_LAYER + 2]
    head = nn.Sequential(*features[VGG16_TRUST_LAYER + 2 :], net.avgpool, nn.Flatten(), net.classifier)
    return prefix, trust_layer, head
