"""Local-file datasets for ImageSets, array bundles, torch checkpoints and figures."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from kedro.io import AbstractDataset, DatasetError
from matplotlib.figure import Figure
from PIL import Image

from trustcnn.atomic import atomic_path
from trustcnn.data import ImageSet
from trustcnn.ondisk import map_npz, write_npz


class _LocalFileDataset(AbstractDataset):
    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    @property
    def filepath(self) -> Path:
        return self._filepath

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def _check_readable(self) -> None:
        if not self._filepath.is_file():
            raise DatasetError(f"{self._filepath} does not exist; run the pipeline stage that writes it first")


class NpzDataset(_LocalFileDataset):
    """A dict of numpy arrays in one compressed ``.npz``, byte-identical for identical
    arrays (``np.savez`` stamps each member with the current time, so DVC would see a
    re-run's unchanged output as changed and re-run everything downstream)."""

    def _load(self) -> dict[str, np.ndarray]:
        self._check_readable()
        with np.load(self._filepath, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    def _save(self, data: dict[str, np.ndarray]) -> None:
        write_npz(self._filepath, data, compression=zipfile.ZIP_DEFLATED)


class MappedNpzDataset(NpzDataset):
    """A dict of numpy arrays in an uncompressed ``.npz`` that loads memory-mapped
    (:mod:`trustcnn.ondisk`): arrays larger than memory (e.g. input-resolution maps of a
    large test split) are read block by block. Compressed files still load, in memory."""

    def _load(self) -> dict[str, np.ndarray]:
        self._check_readable()
        return map_npz(self._filepath)

    def _save(self, data: dict[str, np.ndarray]) -> None:
        write_npz(self._filepath, data)


class ImageSetDataset(MappedNpzDataset):
    """An :class:`~trustcnn.data.ImageSet` (images, labels, class names, masks) as a
    :class:`MappedNpzDataset`: a split larger than memory is read batch by batch."""

    def _load(self) -> ImageSet:
        return ImageSet.from_arrays(super()._load())

    def _save(self, data: ImageSet) -> None:
        super()._save(data.to_arrays())


class TorchDataset(_LocalFileDataset):
    """A checkpoint dict of tensors and plain values; loaded with ``weights_only=True``.
    Byte-identical for identical weights: saved through memory, since ``torch.save`` to a
    path names the zip's records after the (temporary, per-process) file name."""

    def _load(self) -> dict[str, Any]:
        self._check_readable()
        return torch.load(self._filepath, map_location="cpu", weights_only=True)

    def _save(self, data: dict[str, Any]) -> None:
        buffer = io.BytesIO()
        torch.save(data, buffer)
        with atomic_path(self._filepath) as tmp:
            tmp.write_bytes(buffer.getvalue())


def finite_or_none(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by ``None`` (JSON's null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    return value


class JSONDataset(_LocalFileDataset):
    """Standard JSON (RFC 8259): an undefined number (NaN, ±inf) is written as ``null``,
    never as the ``NaN`` that Python's ``json`` would write and other readers reject."""

    def _load(self) -> Any:
        self._check_readable()
        return json.loads(self._filepath.read_text(encoding="utf-8"))

    def _save(self, data: Any) -> None:
        text = json.dumps(finite_or_none(data), indent=2, allow_nan=False)
        with atomic_path(self._filepath) as tmp:
            tmp.write_text(text, encoding="utf-8")


class RunRecordDataset(JSONDataset):
    """The MLflow run a model was trained in (``run_id``, registered name and version). Kept
    out of DVC's outputs — a new run id on every run would change ``dvc.lock`` — so it may be
    missing where DVC restored the model from its cache: then ``run_id`` is ``None`` and later
    nodes log into a new run."""

    def _load(self) -> dict[str, Any]:
        return super()._load() if self._filepath.is_file() else {"run_id": None}


class OptionalJSONDataset(JSONDataset):
    """A :class:`JSONDataset` that may not exist yet: then it loads as ``None`` (e.g. the summary
    across seeds before any replicate ran)."""

    def _load(self) -> Any:
        return super()._load() if self._filepath.is_file() else None


class FigureDataset(_LocalFileDataset):
    """A matplotlib figure saved as PNG; loads back as an RGBA uint8 array, which is
    what ``mlflow.log_image`` takes, so a later node can log a figure it didn't draw."""

    def __init__(self, filepath: str, dpi: int = 110, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath, metadata)
        self._dpi = dpi

    def _load(self) -> np.ndarray:
        self._check_readable()
        return np.asarray(Image.open(self._filepath).convert("RGBA"))

    def _save(self, data: Figure) -> None:
        with atomic_path(self._filepath) as tmp:
            data.savefig(tmp, format="png", dpi=self._dpi, bbox_inches="tight")
