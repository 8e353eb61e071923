from trustcnn.models.build import (
    backbone_checkpoint,
    build_backbone,
    build_model,
    from_checkpoint,
    to_checkpoint,
    transfer_from_backbone,
    transfer_net,
)
from trustcnn.models.splitnet import Normalize, SplitNet

__all__ = [
    "Normalize",
    "SplitNet",
    "backbone_checkpoint",
    "build_backbone",
    "build_model",
    "from_checkpoint",
    "to_checkpoint",
    "transfer_from_backbone",
    "transfer_net",
]
