from trustcnn.training.features import cache_features
from trustcnn.training.grid import grid_points, point_label, score
from trustcnn.training.loop import default_device, fit, run_epoch
from trustcnn.training.objectives import CrossEntropyObjective, SaliencyObjective
from trustcnn.training.stages import (
    pretrain_backbone,
    train_baseline,
    train_trust,
    trust_objective,
    trust_start_model,
)
from trustcnn.training.tensors import TensorSet, channel_stats, images_to_tensor, input_example, to_tensors

__all__ = [
    "CrossEntropyObjective",
    "SaliencyObjective",
    "TensorSet",
    "cache_features",
    "channel_stats",
    "default_device",
    "fit",
    "grid_points",
    "point_label",
    "images_to_tensor",
    "input_example",
    "pretrain_backbone",
    "run_epoch",
    "score",
    "to_tensors",
    "train_baseline",
    "train_trust",
    "trust_objective",
    "trust_start_model",
]
