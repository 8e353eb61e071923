"""Training: the penalty's gradient path, the feature cache, and determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trustcnn.batches import SplitData, batches, to_tensors
from trustcnn.config import BaselineConfig, ModelConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.models import build_model
from trustcnn.runtime.errors import UserError
from trustcnn.training import train_baseline, train_trust, trust_objective

CONFIG = ModelConfig(width=4, new_channels=8)


def _images(n: int = 48, seed: int = 0) -> ImageSet:
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 8:24, 8:24] = True
    return ImageSet(
        images=rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
        labels=np.arange(n) % 3,
        class_names=("a", "b", "c"),
        masks=masks,
    )


def _model():
    torch.manual_seed(0)
    return build_model(CONFIG, num_classes=3, mean=[0.5] * 3, std=[0.25] * 3)


@pytest.mark.parametrize(
    "trust",
    [
        TrustConfig(saliency_method="gradcam"),
        TrustConfig(saliency_method="guided_gradcam"),
        TrustConfig(saliency_method="gradcam", lam=0.0, w_right=0.0),  # eq. 5 alone
        TrustConfig(saliency_method="gradcam", lam=0.0, w_wrong=0.0),  # eq. 6 alone
        TrustConfig(saliency_method="gradcam", lam=0.0, w_wrong=0.0, w_right=0.0),  # eq. 4 alone
        TrustConfig(saliency_method="gradcam", lam=0.0, w_wrong=0.0, w_right=0.0, w_mask=1.0),  # eq. 8–10
        TrustConfig(saliency_method="gradcam", lam=0.0, w_wrong=0.0, w_right=0.0, w_rrr=1.0),  # RRR alone
        TrustConfig(saliency_method="gradcam", lam=0.0, w_wrong=0.0, w_right=0.0, w_rrr_gradcam=1.0),  # RRR-GC alone
    ],
    ids=["eq7-gradcam", "eq7-guided", "eq5", "eq6", "eq4", "mask", "rrr", "rrr-gradcam"],
)
def test_saliency_terms_reach_the_trainable_layer_and_no_frozen_one(trust: TrustConfig) -> None:
    model = _model()
    model.set_trainable("trust_layer")
    batch = to_tensors(_images(8))
    loss, _, _ = trust_objective(trust)(model, model.cam_layer, batch, train=True)
    loss.backward()
    conv = model.cam_layer[0].weight
    assert conv.grad is not None and conv.grad.abs().sum() > 0
    frozen = [name for name, p in model.named_parameters() if not p.requires_grad and p.grad is not None]
    assert frozen == []


def test_feature_cache_gives_the_same_model() -> None:
    data = _images()
    optim = BaselineConfig(epochs=2, lr=0.05, batch_size=16)
    cached, uncached = _model(), _model()
    history_cached = train_baseline(cached, data, data, optim.model_copy(update={"feature_cache": True}))
    history_plain = train_baseline(uncached, data, data, optim.model_copy(update={"feature_cache": False}))
    for a, b in zip(cached.state_dict().values(), uncached.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert history_cached[-1]["val_loss"] == pytest.approx(history_plain[-1]["val_loss"], rel=1e-4)

    trust = TrustConfig(epochs=2, lr=0.05, batch_size=16)
    a, _ = train_trust(cached, data, data, trust.model_copy(update={"feature_cache": True}), "cached")
    b, _ = train_trust(cached, data, data, trust.model_copy(update={"feature_cache": False}), "plain")
    for x, y in zip(a.state_dict().values(), b.state_dict().values()):
        torch.testing.assert_close(x, y, rtol=1e-4, atol=1e-5)


def test_same_seed_same_numbers() -> None:
    data = _images()
    optim = BaselineConfig(epochs=2, lr=0.05, batch_size=16, seed=3)
    first, second = _model(), _model()
    assert train_baseline(first, data, data, optim) == train_baseline(second, data, data, optim)


def test_mask_variant_without_masks_is_refused_by_name() -> None:
    data = _images()
    unmasked = ImageSet(data.images, data.labels, data.class_names)
    with pytest.raises(ValueError, match="trust_mask.*masks"):
        train_trust(_model(), unmasked, unmasked, TrustConfig(w_mask=1.0), "trust_mask")


def test_batches_cover_every_item_once() -> None:
    data = SplitData(torch.arange(10).float(), torch.arange(10))
    seen = torch.cat([b.y for b in batches(data, 3, torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == list(range(10))


def test_a_diverging_loss_stops_training_naming_epoch_batch_and_term() -> None:
    data = _images()
    with pytest.raises(
        FloatingPointError, match=r"baseline: training diverged in epoch \d+, batch \d+: non-finite loss = (nan|inf)"
    ) as error:
        train_baseline(_model(), data, data, BaselineConfig(lr=1e30, epochs=3, batch_size=16))
    assert isinstance(error.value, UserError) and len(error.value.lines()) == 1  # `kedro run` prints it as one line
    assert str(error.value).endswith("nothing was saved or registered. Lower the learning rate (lr = 1e+30) or the loss weights.")


def test_a_diverging_grid_point_is_skipped_and_the_rest_compete() -> None:
    from trustcnn.config import GridConfig
    from trustcnn.training import fit_variant

    data = _images()
    start = _model()
    train_baseline(start, data, data, BaselineConfig(epochs=1, batch_size=16))
    trust = TrustConfig(epochs=3, batch_size=16, trainable="trust_layer+head", grid=GridConfig(lr=[1e30, 0.01], lam=[0.5]))
    fitted = fit_variant(start, data, data, trust, "trust")
    assert fitted.chosen.lr == 0.01 and fitted.selected == 1
    with pytest.raises(FloatingPointError, match="diverged at every grid point"):
        fit_variant(start, data, data, trust.model_copy(update={"grid": GridConfig(lr=[1e30], lam=[0.5])}), "trust")


def test_the_feature_cache_is_built_once_per_backbone_and_split() -> None:
    """Every variant and grid point starts from the same frozen backbone: its features for a
    split are computed once per process (counted with a real forward hook)."""
    from trustcnn.training import shared_features
    from trustcnn.training.feature_cache import clear_shared

    clear_shared()
    data, other = SplitData.of(_images()), SplitData.of(_images(seed=1))
    first, second = _model(), _model()  # separate objects, same weights (as two Kedro nodes load them)
    calls = []
    for model in (first, second):
        model.prefix.register_forward_hook(lambda *args: calls.append(1))
    a = shared_features(first, data)
    b = shared_features(second, data)
    assert len(calls) == 1 and torch.equal(a.x, b.x) and np.array_equal(b.y, data.y)
    shared_features(second, other)  # other images: built
    assert len(calls) == 2
    with torch.no_grad():
        next(second.prefix.parameters()).add_(1.0)
    shared_features(second, data)  # other weights: built
    assert len(calls) == 3
