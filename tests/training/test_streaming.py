"""Batches through a DataLoader: the order one in-memory tensor gave, with or without
worker processes, and a feature cache that spills to disk with the same values."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from trustcnn.batches import SplitData, batches, channel_stats
from trustcnn.batches.tensors import images_to_tensor
from trustcnn.config import ModelConfig
from trustcnn.data import ImageSet
from trustcnn.models import build_model
from trustcnn.posthoc import saliency_maps
from trustcnn.runtime.ondisk import mapping_of
from trustcnn.training import cache_features


def _images(n: int = 37) -> ImageSet:
    rng = np.random.default_rng(0)
    masks = rng.random((n, 32, 32)) > 0.5
    return ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % 3, ("a", "b", "c"), masks)


def test_batches_are_the_seeded_permutation_cut_in_order_with_or_without_workers() -> None:
    images = _images()
    whole_x = torch.from_numpy(images.images).permute(0, 3, 1, 2).float().div_(255.0)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(3))
    expected = [order[i : i + 8] for i in range(0, len(images), 8)]
    for workers in (0, 2):
        got = list(batches(SplitData.of(images), 8, torch.Generator().manual_seed(3), workers=workers))
        assert len(got) == len(expected)
        for batch, index in zip(got, expected):
            assert torch.equal(batch.x, whole_x[index]) and batch.x.stride() == whole_x[index].stride()
            assert torch.equal(batch.y, torch.from_numpy(images.labels)[index])
            assert torch.equal(batch.masks, torch.from_numpy(images.masks).float()[index])


def test_a_feature_cache_over_budget_is_memory_mapped_with_the_same_values() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(width=4, new_channels=8), 3, [0.5] * 3, [0.25] * 3)
    data = SplitData.of(_images())
    in_memory = cache_features(model, data, batch_size=16)
    spilled = cache_features(model, data, batch_size=16, memory_budget_mb=1e-3)
    assert isinstance(in_memory.x, torch.Tensor) and mapping_of(spilled.x) is not None
    np.testing.assert_array_equal(spilled.x, in_memory.x.numpy())
    index = torch.tensor([5, 0, 36])
    assert torch.equal(spilled[index].x, in_memory[index].x)


def test_channel_stats_in_chunks_match_the_one_pass_values() -> None:
    images = _images()
    exact = channel_stats(images)
    chunked = channel_stats(images, memory_budget_mb=1e-3, chunk=5)
    np.testing.assert_allclose(chunked, exact, rtol=1e-12)


def test_a_read_only_memory_mapped_split_converts_without_a_warning() -> None:
    images = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    images.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = images_to_tensor(images)
    assert torch.equal(x, torch.from_numpy(images.copy()).permute(0, 3, 1, 2).float() / 255)


def test_post_hoc_maps_over_budget_are_gathered_on_disk_with_the_same_values() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(width=4, new_channels=8), 3, [0.5] * 3, [0.25] * 3).eval()
    data = SplitData.of(_images())
    in_memory = saliency_maps(model, data, "gradcam", batch_size=8)
    spilled = saliency_maps(model, data, "gradcam", batch_size=8, memory_budget_mb=1e-4)
    assert mapping_of(in_memory) is None and mapping_of(spilled) is not None
    np.testing.assert_array_equal(spilled, in_memory)
