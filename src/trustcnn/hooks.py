"""Project hooks: provenance tags on the MLflow run of each ``kedro run``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node

from trustcnn.datasets.files import ImageSetDataset
from trustcnn.provenance import data_tags, git_tags
from trustcnn.tracking import tag_active_run


class ProvenanceHooks:
    """Tags kedro-mlflow's run with the git commit and, before each node, the DVC hash of
    every data split the node reads; the model runs nested under it inherit them."""

    def __init__(self) -> None:
        self._git: dict[str, str] = {}

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._git = git_tags(Path(context.project_path))

    @hook_impl
    def before_node_run(self, node: Node, catalog: DataCatalog) -> None:
        files = {}
        for name in node.inputs:
            dataset = catalog.get(name) if not name.startswith("params:") else None
            if isinstance(dataset, ImageSetDataset):
                files[name] = dataset.filepath
        tag_active_run({**self._git, **data_tags(files)})
