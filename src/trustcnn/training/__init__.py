"""Training: one loop, the objectives, and the transfer experiment's
steps (backbone, baseline, trust variants with their grid search)."""

from trustcnn.training.backbone import Backbone, obtain_backbone
from trustcnn.training.feature_cache import cache_features, clear_shared, shared_features
from trustcnn.training.grid import VariantFit, fit_variant, grid_points, point_label, score
from trustcnn.training.loop import fit, make_optimizer, run_epoch
from trustcnn.training.objectives import CrossEntropyObjective, SaliencyObjective
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
    "VariantFit",
    "cache_features",
    "clear_shared",
    "fit",
    "fit_variant",
    "grid_points",
    "make_optimizer",
    "model_on_backbone",
    "obtain_backbone",
    "point_label",
    "pretrain_backbone",
    "run_epoch",
    "score",
    "shared_features",
    "train_baseline",
    "train_trust",
    "trust_objective",
    "trust_start_model",
    "variant_splits",
]
