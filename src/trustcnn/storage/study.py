"""Kedro datasets for the user study: its package folder and its answers database."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from trustcnn.lineage import LINEAGE, Record, decode
from trustcnn.storage.files import LineageFile
from trustcnn.user_study.package import StudyPackage, write_package
from trustcnn.user_study.questions import MANIFEST, read_manifest
from trustcnn.user_study.store import Responses, ResponseStore


class StudyPackageDataset(LineageFile, AbstractDataset):
    """A study package folder (``manifest.json`` and its images), replaced as a whole on save.
    Loads the manifest (what the study server serves). The manifest's key ``lineage`` records
    what the package was made from (the study id is computed without it)."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(filepath)
        self.metadata = metadata

    @property
    def filepath(self) -> Path:
        return self._path

    def read_lineage(self) -> Record | None:
        record = json.loads((self._path / MANIFEST).read_text()).get(LINEAGE)
        return None if record is None else decode(json.dumps(record))

    def _load(self) -> dict:
        manifest = read_manifest(self._path)
        manifest.pop(LINEAGE, None)
        return manifest

    def _save(self, data: StudyPackage) -> None:
        record = self._take_lineage()
        if record is not None:
            data = dataclasses.replace(data, manifest={**data.manifest, LINEAGE: dict(sorted(record.items()))})
        write_package(data, self._path)

    def _exists(self) -> bool:
        return (self._path / "manifest.json").is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._path)}


class ResponsesDataset(AbstractDataset):
    """The answers database (SQLite). Saving registers a study (``{"study_id", "n_items"}``
    and its unblinding ``key``), creating the file if needed and never deleting an answer
    (nor an earlier study's key: a re-sampled study's answers stay readable); loading returns every
    :class:`~trustcnn.user_study.store.Responses` row (resume tokens left out)."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._store = ResponseStore(filepath)
        self.metadata = metadata

    def _load(self) -> Responses:
        return self._store.responses()

    def _save(self, data: dict) -> None:
        self._store.register_study(data["study_id"], data["n_items"], data.get("key"))

    def _exists(self) -> bool:
        return self._store.path.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._store.path)}
