"""Get the backbone (source-task pretraining, ImageNet or a file), then train the
cross-entropy baseline on top of it — and, the same way on the same images without their
decoys, the no-decoy reference that the shortcut's damage is measured against."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from trustcnn import tracking
from trustcnn.batches import input_example
from trustcnn.config import BaselineConfig, ModelConfig, OptimConfig
from trustcnn.data import ImageSet
from trustcnn.models import baseline_parts, to_checkpoint
from trustcnn.plotting.curves import training_curves
from trustcnn.replicates.parameters import machine
from trustcnn.training import model_on_backbone, obtain_backbone, train_baseline


def prepare_backbone(
    source_train_set: ImageSet, source_val_set: ImageSet, model: ModelConfig, source_training: OptimConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The backbone as a checkpoint, and what is known of it (held-out source accuracy);
    its MLflow run says where it came from."""
    with tracking.model_run("source_backbone"):
        backbone = obtain_backbone(model, source_train_set, source_val_set, source_training, on_epoch=tracking.log_epoch)
        params = {"model": model.model_dump(), "optim": source_training.model_dump()}
        tracking.log_backbone(backbone, params, input_example(source_val_set))
    return backbone.checkpoint, backbone.metrics


def train_baseline_model(
    source_backbone: dict[str, Any],
    train_set: ImageSet,
    val_set: ImageSet,
    model: ModelConfig,
    baseline: BaselineConfig,
    *,
    name: str = "baseline",
) -> tuple[dict[str, Any], list[dict[str, float]], Figure, dict[str, str]]:
    """Add the new conv layer + head to the backbone, train the parts ``baseline.trainable``
    names (by default the new layer and the head) with cross entropy."""
    net = model_on_backbone(source_backbone, model, train_set.num_classes, baseline.seed)
    parts = baseline_parts(model, train_set.num_classes, baseline.trainable)
    with tracking.model_run(name) as run:
        history = train_baseline(net, train_set, val_set, baseline, on_epoch=tracking.log_epoch, parts=parts, desc=name)
        curves = training_curves(history, name)
        params = {"model": model.model_dump(), "optim": baseline.model_dump(), "objective": "ce"}
        logged = tracking.log_training(name, params, history, curves, net, input_example(val_set))
    return to_checkpoint(net, model, train_set.class_names), history, curves, {"run_id": run.info.run_id, **logged}


def describe_machine(seed: int) -> dict[str, Any]:
    """The run's seed and the machine that trains (CPU, cores, torch threads): another CPU or
    thread count gives other numbers for the same seed, so the docs name both beside every
    single-seed table. Recorded here, where training starts, because the thread count matters
    to training only: DVC's ``analysis`` stage scores the models in one-thread workers, which
    give the same bytes as a serial run (docs/dvc.md)."""
    return {"seed": seed, **machine()}
