from trustcnn.models.build import (
    backbone_checkpoint,
    baseline_parts,
    build_backbone,
    build_model,
    feature_extractor,
    from_checkpoint,
    load_backbone_weights,
    model_from_backbone,
    model_from_backbone_checkpoint,
    to_checkpoint,
)
from trustcnn.models.splitnet import TRAINABLE_PARTS, Normalize, SplitNet

__all__ = [
    "TRAINABLE_PARTS",
    "Normalize",
    "SplitNet",
    "backbone_checkpoint",
    "baseline_parts",
    "build_backbone",
    "build_model",
    "feature_extractor",
    "from_checkpoint",
    "load_backbone_weights",
    "model_from_backbone",
    "model_from_backbone_checkpoint",
    "to_checkpoint",
]
