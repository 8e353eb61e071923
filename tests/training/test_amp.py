"""Mixed precision: every default variant trains under autocast without error or NaN, and the
pieces that broke in half precision (map normalisation, the mask BCE) are computed safely.
Run on the CPU, whose autocast has both half precisions; CUDA takes the same code path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from trustcnn.config import BaselineConfig, ModelConfig, TrustConfig
from trustcnn.data import ImageSet
from trustcnn.losses.trust import mask_bce
from trustcnn.models import build_model
from trustcnn.saliency import get_method, normalise_per_image
from trustcnn.training import train_baseline, train_trust

PRECISIONS = ["bfloat16", "float16"]
CONF = Path(__file__).resolve().parents[2] / "conf" / "base" / "parameters_trust.yml"


def _images(n: int = 32) -> ImageSet:
    rng = np.random.default_rng(0)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 8:24, 8:24] = True
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % 3, ("a", "b", "c"), masks)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_normalising_an_empty_half_precision_map_gives_zeros_not_nan(precision: str) -> None:
    maps = torch.zeros(2, 4, 4, dtype=getattr(torch, precision))
    maps[1, 0, 0] = 3.0
    normalised = normalise_per_image(maps)
    assert normalised.dtype == torch.float32 and torch.isfinite(normalised).all()
    assert normalised[0].abs().max() == 0 and normalised[1].max() == pytest.approx(1.0, abs=1e-6)
    assert normalise_per_image(maps.double()).dtype == torch.float64  # never lowers precision


@pytest.mark.parametrize("precision", PRECISIONS)
def test_mask_bce_under_autocast_is_the_fp32_value(precision: str) -> None:
    maps = torch.rand(4, 8, 8, generator=torch.Generator().manual_seed(0))
    masks = torch.zeros(4, 32, 32)
    masks[:, 8:24, 8:24] = 1
    reference = mask_bce(maps, masks)
    with torch.autocast("cpu", dtype=getattr(torch, precision)):
        halved = mask_bce(maps.to(getattr(torch, precision)), masks)
    assert halved.dtype == torch.float32 and torch.isfinite(halved)
    torch.testing.assert_close(halved, reference, rtol=1e-2, atol=1e-3)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_gradcam_under_autocast_is_nan_free_and_close_to_fp32(precision: str) -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(width=4, new_channels=8), 3, [0.5] * 3, [0.25] * 3).eval()
    x = torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    gradcam = get_method("gradcam")
    reference = gradcam(model, model.cam_layer, x)
    with torch.autocast("cpu", dtype=getattr(torch, precision)):
        halved = gradcam(model, model.cam_layer, x)
    assert torch.isfinite(halved).all()
    assert (halved.float() - reference).abs().max() < 0.05  # maps lie in [0, 1]


def _default_variants() -> dict[str, dict]:
    conf = yaml.safe_load(CONF.read_text())
    return {name: conf[name]["trust"] for name in conf["trust_variants"]}


@pytest.mark.parametrize("precision", PRECISIONS)
def test_every_default_variant_trains_under_amp_without_nan(precision: str) -> None:
    data = _images()
    torch.manual_seed(0)
    start = build_model(ModelConfig(width=4, new_channels=8), 3, [0.5] * 3, [0.25] * 3)
    train_baseline(start, data, data, BaselineConfig(epochs=1, batch_size=16, amp=True, amp_precision=precision))
    for name, settings in _default_variants().items():
        overrides = {"epochs": 1, "batch_size": 16, "grid": None, "amp": True, "amp_precision": precision}
        _, history = train_trust(start, data, data, TrustConfig(**{**settings, **overrides}), name)
        assert all(np.isfinite(v) for v in history[-1].values()), (name, history[-1])
