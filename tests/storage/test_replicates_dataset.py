"""Every finished replicate under a folder, read together; a half-written one is not finished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kedro.io import DatasetError

from trustcnn.storage.replicates import ReplicatesDataset


def finished(root: Path, seed: int, record: bool = True) -> None:
    reporting = root / f"seed_{seed}/08_reporting"
    reporting.mkdir(parents=True)
    (reporting / "metrics.json").write_text(json.dumps({"models": {}, "seed": seed}))
    if record:
        (reporting / "replicate.json").write_text(json.dumps({"seed": seed}))


def test_loads_each_finished_seed_in_order(tmp_path: Path) -> None:
    for seed in (10, 2):
        finished(tmp_path, seed)
    finished(tmp_path, 3, record=False)  # no record of what it was made from: not finished
    (tmp_path / "notes").mkdir()
    loaded = ReplicatesDataset(str(tmp_path)).load()
    assert list(loaded) == [2, 10] and loaded[10]["metrics"]["seed"] == 10 and loaded[2]["record"] == {"seed": 2}
    assert ReplicatesDataset(str(tmp_path / "absent")).load() == {}
    with pytest.raises(DatasetError, match="read-only"):
        ReplicatesDataset(str(tmp_path)).save({})
