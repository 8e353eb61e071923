"""Data sources by name: the one place a source is registered, and the one list that
``data.source`` is validated against (:class:`~trustcnn.config.DataConfig`) and ingestion loads from.
A new source is a module with a :class:`~trustcnn.data.source.DataSource` and one line below."""

from __future__ import annotations

from trustcnn.config import DataConfig
from trustcnn.data import decoy_fashion, digits, fashion_mnist, image_folder, imagenet_subset, oxford_pets
from trustcnn.data.source import DataSource, SourceData

SOURCES: dict[str, DataSource] = {}


def register(source: DataSource) -> DataSource:
    """Make ``source`` available as ``data.source: <source.name>``."""
    SOURCES[source.name] = source
    return source


def get_source(name: str) -> DataSource:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown data source {name!r}; choose one of: {', '.join(SOURCES)}") from None


def load_source(data: DataConfig) -> SourceData:
    """The splits of ``data.source`` (and the files it left out), as ``data`` says."""
    return get_source(data.source).load(data)


for _source in (digits.SOURCE, fashion_mnist.SOURCE, decoy_fashion.SOURCE, oxford_pets.SOURCE, image_folder.SOURCE, imagenet_subset.SOURCE):
    register(_source)
