"""Kedro datasets for trustcnn's artefacts; every save is atomic (temp file + rename)."""

from trustcnn.datasets.atomic_dataset import AtomicDataset
from trustcnn.datasets.files import FigureDataset, ImageSetDataset, NpzDataset, TorchDataset

__all__ = ["AtomicDataset", "FigureDataset", "ImageSetDataset", "NpzDataset", "TorchDataset"]
