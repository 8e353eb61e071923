"""Each artefact stores its lineage record inside itself, and loads without it."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from trustcnn.data import ImageSet
from trustcnn.storage import ImageSetDataset, JSONDataset, MappedNpzDataset, NpzDataset, TorchDataset
from trustcnn.storage.study import StudyPackageDataset
from trustcnn.user_study.package import StudyPackage

RECORD = {"test_set": "3f2a9c1e" * 4, "baseline.model": "8b7d0a44" * 4}


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", [NpzDataset, MappedNpzDataset])
def test_arrays_keep_their_record_in_a_member_and_load_without_it(tmp_path: Path, kind: type) -> None:
    dataset = kind(filepath=str(tmp_path / "maps.npz"))
    dataset.set_lineage(RECORD)
    dataset.save({"gradcam": np.ones((2, 3, 3), np.float32)})
    assert "lineage.npy" in zipfile.ZipFile(tmp_path / "maps.npz").namelist()
    assert set(dataset.load()) == {"gradcam"}
    assert dataset.read_lineage() == RECORD
    assert dataset.artefact("baseline.maps").record == RECORD
    dataset.save({"gradcam": np.ones((2, 3, 3), np.float32)})  # a record is given for one save
    assert dataset.read_lineage() is None


def test_the_same_record_and_data_give_the_same_bytes(tmp_path: Path) -> None:
    paths = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for path in paths:
        dataset = NpzDataset(filepath=str(path))
        dataset.set_lineage(dict(reversed(RECORD.items())) if path.stem == "b" else RECORD)
        dataset.save({"predictions": np.arange(4)})
    assert _md5(paths[0]) == _md5(paths[1])


def test_a_checkpoint_keeps_its_record_under_a_key_and_its_version_is_the_file_md5(tmp_path: Path) -> None:
    dataset = TorchDataset(filepath=str(tmp_path / "model.pt"))
    dataset.set_lineage(RECORD)
    dataset.save({"state_dict": {"w": torch.arange(3.0)}})
    assert torch.load(tmp_path / "model.pt", weights_only=True)["lineage"] == RECORD
    assert set(dataset.load()) == {"state_dict"}
    artefact = dataset.artefact("baseline.model")
    assert artefact.record == RECORD and artefact.version == _md5(tmp_path / "model.pt")


def test_a_split_records_its_own_version_or_else_is_its_file_md5(tmp_path: Path) -> None:
    split = ImageSet(np.zeros((2, 4, 4, 3), np.uint8), np.array([0, 1]), ("a", "b"))
    dataset = ImageSetDataset(filepath=str(tmp_path / "test.npz"))
    dataset.save(split)
    older = dataset.artefact("test_set")  # written without a record, as older code did
    assert older.version == _md5(tmp_path / "test.npz") and older.record == {"test_set": older.version}
    dataset.set_lineage({"test_set": "c" * 32, "build_dataset:outputs": "d" * 32})
    dataset.save(split)
    assert dataset.artefact("test_set").version == "c" * 32
    assert dataset.load().class_names == ("a", "b")


def test_json_records_only_where_the_catalog_asks(tmp_path: Path) -> None:
    kept, plain = JSONDataset(str(tmp_path / "metrics.json"), lineage=True), JSONDataset(str(tmp_path / "history.json"))
    for dataset in (kept, plain):
        dataset.set_lineage(RECORD)
        dataset.save({"accuracy": 0.5})
    assert json.loads((tmp_path / "metrics.json").read_text()) == {"accuracy": 0.5, "lineage": RECORD}
    assert json.loads((tmp_path / "history.json").read_text()) == {"accuracy": 0.5}
    assert kept.load() == {"accuracy": 0.5} and kept.read_lineage() == RECORD
    assert kept.records_lineage and not plain.records_lineage


def test_the_study_manifest_records_what_the_package_was_made_from(tmp_path: Path) -> None:
    dataset = StudyPackageDataset(str(tmp_path / "package"))
    dataset.set_lineage(RECORD)
    dataset.save(StudyPackage({"study_id": "s1", "items": []}, {"images/a.png": b"png"}, {"study_id": "s1"}))
    assert json.loads((tmp_path / "package/manifest.json").read_text())["lineage"] == RECORD
    assert dataset.load() == {"study_id": "s1", "items": []}
    assert dataset.read_lineage() == RECORD


def test_a_catalog_entry_can_keep_no_record_for_a_step_that_combines_versions_on_purpose(tmp_path: Path) -> None:
    assert NpzDataset(str(tmp_path / "a.npz")).records_lineage and TorchDataset(str(tmp_path / "m.pt")).records_lineage
    assert not NpzDataset(str(tmp_path / "a.npz"), lineage=False).records_lineage
    assert not TorchDataset(str(tmp_path / "m.pt"), lineage=False).records_lineage
    assert not ImageSetDataset(str(tmp_path / "s.npz"), lineage=False).records_lineage
