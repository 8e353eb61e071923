"""The finished replicates of an experiment, read together: every ``seed_<N>`` folder under
``<data_root>/replicates`` whose run wrote its ``08_reporting/metrics.json`` and
``08_reporting/replicate.json`` (what it was made from). A replicate's run writes both only
when it succeeds as a whole (a failed run's outputs are rolled back)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from trustcnn.replicates.layout import seed_of

METRICS = Path("08_reporting/metrics.json")
RECORD = Path("08_reporting/replicate.json")


class ReplicatesDataset(AbstractDataset):
    """Loads ``{seed: {"metrics": …, "record": …}}`` in seed order (empty when there is none);
    read-only: each replicate's own run writes its files."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(path)
        self.metadata = metadata

    def _load(self) -> dict[int, dict[str, Any]]:
        found = {}
        for folder in sorted(self._path.glob("seed_*")) if self._path.is_dir() else []:
            seed = seed_of(folder)
            if seed is not None and (folder / METRICS).is_file() and (folder / RECORD).is_file():
                found[seed] = {"metrics": _read(folder / METRICS), "record": _read(folder / RECORD)}
        return dict(sorted(found.items()))

    def _save(self, data: Any) -> None:
        raise DatasetError(f"{self._path} is read-only: each replicate's run writes its own folder")

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
