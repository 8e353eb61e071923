"""Make any file-based Kedro dataset save atomically.

Kedro's own datasets write straight to their final path; wrapped here, they write a
temporary file beside it that is renamed into place only once complete::

    metrics:
      type: trustcnn.storage.AtomicDataset
      dataset: json.JSONDataset
      filepath: data/08_reporting/metrics.json
"""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset

from trustcnn.runtime.atomic import atomic_path


class AtomicDataset(AbstractDataset):
    def __init__(self, dataset: str | dict[str, Any], filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._config = {"type": dataset} if isinstance(dataset, str) else dict(dataset)
        self._filepath = filepath
        self._final = self._inner(filepath)
        self.metadata = metadata

    def _inner(self, filepath: str) -> AbstractDataset:
        return AbstractDataset.from_config(f"atomic:{self._filepath}", {**self._config, "filepath": filepath})

    def _load(self) -> Any:
        return self._final.load()

    def _save(self, data: Any) -> None:
        with atomic_path(self._filepath) as tmp:
            self._inner(str(tmp)).save(data)

    def _exists(self) -> bool:
        return self._final.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": self._filepath, "dataset": self._config.get("type")}
