"""Training on people's masks: every image marked exactly as the data's masks is the data's
run, bit for bit; a partial annotation trains; ``masks: human`` without masks is a clear error."""

from __future__ import annotations

import copy
import functools

import numpy as np
import pytest
import torch

from trustcnn.config import BaselineConfig, ModelConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.data.human_masks import combine_marks
from trustcnn.data.simulated_marks import budget_sample, simulate_marks
from trustcnn.models import build_model
from trustcnn.training import train_baseline, train_trust, variant_splits

CONFIG = ModelConfig(width=4, new_channels=8)
LOSSES = {
    "trust_mask": {"w_mask": 2.0},
    "rrr": {"lam": 1.0, "w_wrong": 0.0, "w_right": 0.0, "w_rrr": 0.001},
    "rrr_gradcam": {"lam": 1.0, "w_wrong": 0.0, "w_right": 0.0, "w_rrr_gradcam": 10.0},
}


def _images(n: int = 32) -> ImageSet:
    rng = np.random.default_rng(0)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 8:24, 8:24] = True
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % 3, ("a", "b", "c"), masks)


@functools.cache
def _start() -> dict:
    """A briefly trained baseline: a random one's Grad-CAM maps are all zero (ReLU), and the
    map terms have no gradient there."""
    torch.manual_seed(0)
    model = build_model(CONFIG, num_classes=3, mean=[0.5] * 3, std=[0.25] * 3)
    train_baseline(model, _images(), _images(), BaselineConfig(epochs=3, lr=0.05, batch_size=8))
    return copy.deepcopy(model.state_dict())


def _model():
    model = build_model(CONFIG, num_classes=3, mean=[0.5] * 3, std=[0.25] * 3)
    model.load_state_dict(_start())
    model.eval()
    return model


def _train(config: TrustConfig, train: ImageSet, val: ImageSet) -> tuple[dict, list[dict]]:
    model, history = train_trust(_model(), train, val, config, "test")
    return model.state_dict(), history


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_exact_marks_on_every_image_train_the_data_masks_model_bit_for_bit(loss: str) -> None:
    data = _images()
    config = TrustConfig(epochs=2, batch_size=8, **LOSSES[loss])
    human = combine_marks(simulate_marks(data, range(len(data)), kind="object"), data)
    train, _ = variant_splits(config.model_copy(update={"masks": "human"}), data, data, human, "test")
    assert train.has_mask.all() and np.array_equal(train.masks, data.masks)
    # The validation split keeps the data's masks in both runs, so the histories compare too.
    state, history = _train(config, data, data)
    state_human, history_human = _train(config, train, data)
    assert all(torch.equal(state[k], state_human[k]) for k in state)
    assert history == history_human


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_a_partial_annotation_trains_and_differs_from_none(loss: str) -> None:
    data = _images()
    config = TrustConfig(epochs=2, batch_size=8, masks="human", **LOSSES[loss])
    marked = combine_marks(simulate_marks(data, budget_sample(len(data), 10, seed=0), kind="avoid"), data)
    assert marked.marked == 10
    train, val = variant_splits(config, data, data, marked, "test")
    assert not val.has_mask.any()
    state, history = _train(config, train, val)
    name = {"trust_mask": "loss_mask", "rrr": "penalty_rrr", "rrr_gradcam": "penalty_rrr_gradcam"}[loss]
    assert history[-1][f"train_{name}"] > 0 and history[-1][f"val_{name}"] == 0.0
    nobody = combine_marks([], data)
    state_none, history_none = _train(config, *variant_splits(config, data, data, nobody, "test"))
    assert history_none[-1][f"train_{name}"] == 0.0
    assert any(not torch.equal(state[k], state_none[k]) for k in state)


def test_human_masks_variant_without_the_dataset_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="rrr_human: masks: human needs the human_masks dataset"):
        variant_splits(TrustConfig(masks="human"), _images(), _images(), None, "rrr_human")
