"""Provenance on the MLflow run of each ``kedro run``: :class:`ProvenanceHooks`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node

from trustcnn.parameters import SEED
from trustcnn.storage.files import ImageSetDataset
from trustcnn.tracking import data_tags, git_tags, seed_tags, tag_active_run
from trustcnn.tracking.datasets import log_splits, reading
from trustcnn.tracking.liveness import liveness_tags


class ProvenanceHooks:
    """Tags kedro-mlflow's run with the git commit, the run's ``seed`` (``trustcnn.seed``) and,
    before each node, the DVC hash of every data split the node reads, which also becomes one
    of the run's dataset inputs (name, md5, path: MLflow's *Datasets*); the model runs nested
    under it inherit the tags and log the splits of the node that trains them.

    A split many nodes read (``test_set``) is hashed again only when its file changed, and
    only new or changed tags reach MLflow.
    """

    def __init__(self) -> None:
        self._git: dict[str, str] = {}
        self._hashed: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}
        self._sent: dict[str, str] = {}
        self._logged: dict[str, str] = {}  # split → md5 logged as a dataset input
        self._root = Path.cwd()

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._root = Path(context.project_path)
        self._git = git_tags(self._root) | liveness_tags() | seed_tags(context.params[SEED])
        self._sent, self._logged = {}, {}

    @hook_impl
    def before_node_run(self, node: Node, catalog: DataCatalog) -> None:
        tags, splits = dict(self._git), {}
        for name in node.inputs:
            dataset = None if name.startswith("params:") else catalog.get(name)
            if isinstance(dataset, ImageSetDataset) and dataset.filepath.is_file():
                tag = self._data_tag(name, dataset.filepath)
                tags |= tag
                where = dataset.filepath  # as dvc.lock names it: from the project root
                (md5,) = tag.values()  # data_tags gives a split one tag: its md5
                splits[name] = (where.relative_to(self._root) if where.is_relative_to(self._root) else where, md5)
        reading(splits)  # the model runs this node starts log these
        new = {k: v for k, v in tags.items() if self._sent.get(k) != v}
        if not tag_active_run(new):
            return
        self._sent |= new
        fresh = {name: split for name, split in splits.items() if self._logged.get(name) != split[1]}
        log_splits(fresh)
        self._logged |= {name: md5 for name, (_, md5) in fresh.items()}

    @hook_impl
    def after_node_run(self) -> None:
        reading(None)

    @hook_impl
    def on_node_error(self) -> None:
        reading(None)

    def _data_tag(self, name: str, path: Path) -> dict[str, str]:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        if name not in self._hashed or self._hashed[name][0] != key:
            self._hashed[name] = (key, data_tags({name: path}))
        return self._hashed[name][1]
