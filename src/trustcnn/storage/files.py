"""Local-file datasets for ImageSets, array bundles, torch checkpoints and figures. The ones
an artefact made from a split is stored in also store its lineage record (:class:`LineageFile`)."""

from __future__ import annotations

import io
import json
import math
import zipfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from kedro.io import AbstractDataset
from matplotlib.figure import Figure
from PIL import Image

from trustcnn.data import ImageSet
from trustcnn.lineage import LINEAGE, Artefact, Record, decode, encode, file_md5, per_file_version
from trustcnn.plotting.png import DPI, png_bytes
from trustcnn.runtime.atomic import atomic_path
from trustcnn.runtime.errors import MissingFileError
from trustcnn.runtime.ondisk import map_npz, write_npz


class _LocalFileDataset(AbstractDataset):
    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = Path(filepath)
        self.metadata = metadata

    if TYPE_CHECKING:  # kedro's AbstractDataset.__init_subclass__ makes them from _load and _save

        def load(self) -> Any: ...
        def save(self, data: Any) -> None: ...

    @property
    def filepath(self) -> Path:
        return self._filepath

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}

    def _check_readable(self) -> None:
        if not self._filepath.is_file():
            raise MissingFileError(f"{self._filepath} does not exist; run the pipeline stage that writes it first")


class LineageFile(ABC):
    """A file that records which versions of the splits and models it was made from
    (:mod:`trustcnn.lineage`): what :meth:`set_lineage` gives is stored inside the file by
    its next save, and :meth:`artefact` reads it back (once per file version in a process);
    loading leaves it out, so a node sees the data as it was saved. ``origin``: its own
    version is what later artefacts record (a split, a model). A catalog entry with
    ``lineage: false`` keeps no record and is never checked (for a step that combines
    versions on purpose)."""

    origin: ClassVar[bool] = False
    if TYPE_CHECKING:  # the dataset's file (or folder): a property of the dataset class beside this one

        @property
        def filepath(self) -> Path: ...

    _records: bool = True
    _lineage: Record | None = None

    @property
    def records_lineage(self) -> bool:
        return self._records

    def set_lineage(self, record: Record) -> None:
        self._lineage = dict(record)

    def _take_lineage(self) -> Record | None:
        record, self._lineage = self._lineage, None
        return record

    @abstractmethod
    def read_lineage(self) -> Record | None:
        """The record stored in this dataset's file, ``None`` when it has none."""

    def artefact(self, name: str) -> Artefact:
        return per_file_version(self.filepath, f"artefact:{name}", lambda path: self._artefact(name, str(path)))

    def _artefact(self, name: str, path: str) -> Artefact:
        return Artefact(name, path, self.read_lineage())


class NpzDataset(LineageFile, _LocalFileDataset):
    """A dict of numpy arrays in one compressed ``.npz``, byte-identical for identical
    arrays (``np.savez`` stamps each member with the current time, so DVC would see a
    re-run's unchanged output as changed and re-run everything downstream). The lineage
    record is the member ``lineage``."""

    def __init__(self, filepath: str, lineage: bool = True, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath, metadata)
        self._records = lineage

    def _load(self) -> dict[str, np.ndarray]:
        self._check_readable()
        with np.load(self._filepath, allow_pickle=False) as data:
            return {k: data[k] for k in data.files if k != LINEAGE}

    def _save(self, data: dict[str, np.ndarray]) -> None:
        write_npz(self._filepath, self._with_lineage(data), compression=zipfile.ZIP_DEFLATED)

    def _with_lineage(self, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        record = self._take_lineage()
        return data if record is None else {**data, LINEAGE: np.array(encode(record))}

    def read_lineage(self) -> Record | None:
        with zipfile.ZipFile(self._filepath) as archive:
            if f"{LINEAGE}.npy" not in archive.namelist():
                return None
            with archive.open(f"{LINEAGE}.npy") as member:
                return decode(str(np.lib.format.read_array(member, allow_pickle=False)))


class MappedNpzDataset(NpzDataset):
    """A dict of numpy arrays in an uncompressed ``.npz`` that loads memory-mapped
    (:mod:`trustcnn.runtime.ondisk`): arrays larger than memory (e.g. input-resolution maps of a
    large test split) are read block by block. Compressed files still load, in memory."""

    def _load(self) -> dict[str, np.ndarray]:
        self._check_readable()
        return {k: v for k, v in map_npz(self._filepath).items() if k != LINEAGE}

    def _save(self, data: dict[str, np.ndarray]) -> None:
        write_npz(self._filepath, self._with_lineage(data))


class ImageSetDataset(MappedNpzDataset):
    """An :class:`~trustcnn.data.ImageSet` (images, labels, class names, masks) as a
    :class:`MappedNpzDataset`: a split larger than memory is read batch by batch. A split is
    where versions start: it records its own (the md5 of its arrays, see
    :func:`trustcnn.lineage.split_records`); one written without (older code) is the md5 of
    its file."""

    origin = True

    def _artefact(self, name: str, path: str) -> Artefact:
        record = self.read_lineage()
        if record is None or name not in record:
            record = {name: file_md5(path)}
        return Artefact(name, path, record, record[name])

    def _load(self) -> ImageSet:  # type: ignore[override]  # the npz file, read as the ImageSet it holds
        return ImageSet.from_arrays(super()._load())

    def _save(self, data: ImageSet) -> None:  # type: ignore[override]  # the ImageSet, written as npz arrays
        super()._save(data.to_arrays())


class TorchDataset(LineageFile, _LocalFileDataset):
    """A checkpoint dict of tensors and plain values; loaded with ``weights_only=True``.
    Byte-identical for identical weights: saved through memory, since ``torch.save`` to a
    path names the zip's records after the (temporary, per-process) file name. The lineage
    record is the key ``lineage``; a model's own version is its file's md5."""

    origin = True

    def __init__(self, filepath: str, lineage: bool = True, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath, metadata)
        self._records = lineage

    def _artefact(self, name: str, path: str) -> Artefact:
        return Artefact(name, path, self.read_lineage(), file_md5(path))

    def read_lineage(self) -> Record | None:
        record = torch.load(self._filepath, map_location="cpu", weights_only=True, mmap=True).get(LINEAGE)
        return None if record is None else dict(record)

    def _load(self) -> dict[str, Any]:
        self._check_readable()
        checkpoint = torch.load(self._filepath, map_location="cpu", weights_only=True)
        checkpoint.pop(LINEAGE, None)
        return checkpoint

    def _save(self, data: dict[str, Any]) -> None:
        record = self._take_lineage()
        buffer = io.BytesIO()
        torch.save(data if record is None else {**data, LINEAGE: dict(sorted(record.items()))}, buffer)
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


class JSONDataset(LineageFile, _LocalFileDataset):
    """Standard JSON (RFC 8259): an undefined number (NaN, ±inf) is written as ``null``,
    never as the ``NaN`` that Python's ``json`` would write and other readers reject. With
    ``lineage: true`` (an object that later steps combine with other artefacts, e.g.
    metrics.json) the lineage record is its last key, ``lineage``."""

    def __init__(self, filepath: str, lineage: bool = False, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath, metadata)
        self._records = lineage

    def read_lineage(self) -> Record | None:
        data = json.loads(self._filepath.read_text(encoding="utf-8"))
        record = data.get(LINEAGE) if isinstance(data, dict) else None
        return None if record is None else decode(json.dumps(record))

    def _load(self) -> Any:
        self._check_readable()
        data = json.loads(self._filepath.read_text(encoding="utf-8"))
        if self._records and isinstance(data, dict):
            data.pop(LINEAGE, None)
        return data

    def _save(self, data: Any) -> None:
        record = self._take_lineage()
        if self._records and record is not None and isinstance(data, dict):
            data = {**data, LINEAGE: dict(sorted(record.items()))}
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

    def __init__(self, filepath: str, dpi: int = DPI, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath, metadata)
        self._dpi = dpi

    def _load(self) -> np.ndarray:
        self._check_readable()
        return np.asarray(Image.open(self._filepath).convert("RGBA"))

    def _save(self, data: Figure) -> None:
        png = png_bytes(data, self._dpi)  # drawn once: the node may have logged it to MLflow already
        with atomic_path(self._filepath) as tmp:
            tmp.write_bytes(png)
