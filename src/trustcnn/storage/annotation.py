"""Kedro dataset for the annotation task's marks database (its package is a
:class:`~trustcnn.storage.study.StudyPackageDataset`, its key a JSON file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from trustcnn.data.marks import Mark
from trustcnn.user_study.annotation.marks import read_marks
from trustcnn.user_study.annotation.store import MarkStore


class MarksDataset(AbstractDataset):
    """The marks (SQLite, written by ``trustcnn study serve --task annotate``). Saving
    registers a package (``{"study_id", "n_items"}``), creating the file if needed and never
    deleting a mark; loading returns every participant's last marks on each image of the
    package whose key is at ``key_filepath`` (:func:`~trustcnn.user_study.annotation.marks.read_marks`),
    none before the database exists (the human_masks step may run before the annotation step:
    see dvc.yaml)."""

    def __init__(self, filepath: str, key_filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._store = MarkStore(filepath)
        self._key = Path(key_filepath)
        self.metadata = metadata

    def _load(self) -> list[Mark]:
        if not self._store.path.is_file():  # no annotation package yet, so nobody has marked anything
            return []
        return read_marks(self._store.path, self._key)

    def _save(self, data: dict) -> None:
        self._store.register_study(data["study_id"], data["n_items"])

    def _exists(self) -> bool:
        return self._store.path.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._store.path), "key_filepath": str(self._key)}
