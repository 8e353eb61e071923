"""Training: tensors and batches, one loop, the objectives, and the transfer experiment's
steps (backbone, baseline, trust variants with their grid search)."""

from trustcnn.training.backbone import Backbone, obtain_backbone
from trustcnn.training.features import cache_features, clear_shared, shared_features
from trustcnn.training.grid import VariantFit, fit_variant, grid_points, point_label, score
from trustcnn.training.loop import default_device, fit, make_optimizer, run_epoch
from trustcnn.training.objectives import CrossEntropyObjective, SaliencyObjective
from trustcnn.training.tensors import (
    SplitData,
    TensorSet,
    batches,
    channel_stats,
    images_to_tensor,
    input_example,
    round_robin,
    to_tensors,
)
from trustcnn.training.transfer import (
    model_on_backbone,
    pretrain_backbone,
    train_baseline,
    train_trust,
    trust_objective,
    trust_start_model,
    variant_splits,
)

__all__ = [
    "Backbone",
    "CrossEntropyObjective",
    "SaliencyObjective",
    "SplitData",
    "TensorSet",
    "VariantFit",
    "batches",
    "cache_features",
    "channel_stats",
    "clear_shared",
    "default_device",
    "fit",
    "fit_variant",
    "grid_points",
    "images_to_tensor",
    "input_example",
    "make_optimizer",
    "model_on_backbone",
    "obtain_backbone",
    "point_label",
    "pretrain_backbone",
    "round_robin",
    "run_epoch",
    "score",
    "shared_features",
    "to_tensors",
    "train_baseline",
    "train_trust",
    "trust_objective",
    "trust_start_model",
    "variant_splits",
]
