"""Kedro datasets for trustcnn's artefacts; every save is atomic (temp file + rename). The
user study's are in :mod:`trustcnn.storage.study`, the replicates' in
:mod:`trustcnn.storage.replicates` (only their stages import them)."""

from trustcnn.storage.atomic_dataset import AtomicDataset
from trustcnn.storage.files import (
    FigureDataset,
    ImageSetDataset,
    JSONDataset,
    MappedNpzDataset,
    NpzDataset,
    OptionalJSONDataset,
    RunRecordDataset,
    TorchDataset,
)

__all__ = [
    "AtomicDataset",
    "FigureDataset",
    "ImageSetDataset",
    "JSONDataset",
    "MappedNpzDataset",
    "NpzDataset",
    "OptionalJSONDataset",
    "RunRecordDataset",
    "TorchDataset",
]
