"""``torchrun --nproc_per_node=2`` (gloo, CPU) trains, fine-tunes and explains the same
model as one process: each global batch is split across the ranks and DDP averages their
share-weighted gradients (:mod:`trustcnn.batches.distributed`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from trustcnn.config import ModelConfig, OptimConfig
from trustcnn.data import ImageSet
from trustcnn.storage import ImageSetDataset, MappedNpzDataset, TorchDataset
from trustcnn.training import obtain_backbone

TORCHRUN = Path(sys.executable).with_name("torchrun")
MODEL = {"width": 4, "new_channels": 8, "backbone_weights": "none"}
PARAMS = {
    "model": MODEL,
    "baseline": {"epochs": 2, "batch_size": 16, "lr": 0.05},
    "trust": {"epochs": 2, "batch_size": 16, "lr": 0.05, "trainable": "trust_layer+head"},
    "saliency": {"batch_size": 8, "extra_methods": ["input_x_gradient"]},
}


def _split(n: int, seed: int) -> ImageSet:
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 8:24, 8:24] = True
    labels = np.arange(n) % 3
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    images[np.arange(n), 2:6, 2:6, labels] = 255  # something to learn
    return ImageSet(images, labels.astype(np.int64), ("a", "b", "c"), masks)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ddp")
    for name, n, seed in (("train", 45, 0), ("val", 22, 1), ("test", 19, 2)):
        ImageSetDataset(str(root / "data" / f"{name}.npz")).save(_split(n, seed))
    train = ImageSetDataset(str(root / "data" / "train.npz")).load()
    TorchDataset(str(root / "backbone.pt")).save(obtain_backbone(ModelConfig(**MODEL), train, train, OptimConfig()).checkpoint)
    (root / "params.yml").write_text(yaml.safe_dump(PARAMS), encoding="utf-8")
    return root


def _run(root: Path, stage: str, processes: int, out: str, *extra: str) -> Path:
    launcher = [str(TORCHRUN), "--standalone", "--nproc_per_node=2", "-m"] if processes == 2 else [sys.executable, "-m"]
    command = [
        *launcher,
        "trustcnn.torchrun",
        stage,
        "--data",
        str(root / "data"),
        "--params",
        str(root / "params.yml"),
        "--out",
        str(root / out),
        *extra,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root / out


def _same_checkpoint(one: Path, two: Path) -> None:
    a, b = (torch.load(p / "model.pt", weights_only=True)["state_dict"] for p in (one, two))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=1e-5, msg=key)


def _same_history(one: Path, two: Path) -> None:
    a, b = (json.loads((p / "history.json").read_text()) for p in (one, two))
    assert [row.keys() for row in a] == [row.keys() for row in b]
    for row_a, row_b in zip(a, b):
        for key in row_a:
            assert row_b[key] == pytest.approx(row_a[key], rel=1e-4, abs=1e-5), key


@pytest.mark.integration  # two real torchrun processes: the full suite, not make test-fast
def test_two_processes_train_the_baseline_a_variant_and_explain_it_as_one(inputs: Path) -> None:
    backbone = ("--backbone", str(inputs / "backbone.pt"))
    single = _run(inputs, "baseline", 1, "baseline_1", *backbone)
    double = _run(inputs, "baseline", 2, "baseline_2", *backbone)
    _same_checkpoint(single, double)
    _same_history(single, double)

    start = ("--baseline", str(single / "model.pt"))
    single = _run(inputs, "trust", 1, "trust_1", *backbone, *start)
    double = _run(inputs, "trust", 2, "trust_2", *backbone, *start)
    _same_checkpoint(single, double)
    _same_history(single, double)

    model = ("--model", str(single / "model.pt"))
    one, two = _run(inputs, "saliency", 1, "saliency_1", *model), _run(inputs, "saliency", 2, "saliency_2", *model)
    for name in ("maps.npz", "predictions.npz"):
        with np.load(one / name) as a, np.load(two / name) as b:
            assert a.files == b.files
            for key in set(a.files) - {"lineage"}:
                np.testing.assert_allclose(b[key], a[key], rtol=1e-4, atol=1e-5, err_msg=key)
            assert str(a["lineage"]) == str(b["lineage"])  # what they were made from (docs/lineage.md)
    made_from = MappedNpzDataset(str(one / "maps.npz")).read_lineage()
    assert {"test_set", "train_set", "val_set", "source_backbone", "baseline.model", "trust_1.model"} <= set(made_from)
