"""Per-image scores computed block by block, from memory-mapped inputs, equal one pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trustcnn.data import ImageSet
from trustcnn.evaluation.scores import model_scores
from trustcnn.posthoc import SANITY
from trustcnn.runtime.ondisk import map_npz, write_npz


def _case(n: int = 23) -> tuple[ImageSet, dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(0)
    masks = rng.random((n, 16, 16)) > 0.6
    decoys = np.zeros((n, 16, 16), bool)
    decoys[::2, :3, :3] = True
    test = ImageSet(
        rng.integers(0, 256, (n, 16, 16, 3), dtype=np.uint8),
        np.arange(n) % 2,
        ("a", "b"),
        masks,
        decoys,
        np.uint8([[255, 0, 0], [0, 0, 255]]),
    )
    maps = {name: rng.random((n, 4, 4)).astype(np.float32) for name in ("gradcam", "input_x_gradient", SANITY)}
    predictions = {"predictions": rng.integers(0, 2, n)}
    return test, maps, predictions, rng.random((n, 4, 4)).astype(np.float32)


def test_scores_in_blocks_from_mapped_maps_equal_one_pass(tmp_path: Path) -> None:
    test, maps, predictions, reference = _case()
    options = {"method": "gradcam", "iou_threshold": 0.5, "accurate_energy": 0.5}
    whole = model_scores(test, maps, predictions, reference, rows=len(test), **options)
    write_npz(tmp_path / "maps.npz", maps | {"reference": reference})
    mapped = map_npz(tmp_path / "maps.npz")
    blocked = model_scores(test, {k: mapped[k] for k in maps}, predictions, mapped["reference"], rows=5, **options)
    assert set(blocked) == set(whole) >= {"correct", "accurate", "ssim_vs_baseline", "sanity_ssim", "gradcam.decoy_share"}
    for key in whole:
        np.testing.assert_array_equal(blocked[key], whole[key], err_msg=key)
        assert len(whole[key]) == len(test)
