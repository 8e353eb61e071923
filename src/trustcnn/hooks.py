"""Project hooks: provenance tags on the MLflow run of each ``kedro run``, and a check that
the run's ``trust_variants`` are the ones its pipelines were built with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node

from trustcnn.storage.files import ImageSetDataset
from trustcnn.tracking import data_tags, git_tags, tag_active_run


class VariantListCheck:
    """Stops a run whose ``trust_variants`` (after ``--env`` and ``--params``) differ from the
    list the pipelines were built with — Kedro builds them before it reads those, so the run
    would otherwise silently train other variants than its configuration names."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        from trustcnn.pipeline_registry import trust_variants

        built, wanted = list(trust_variants()), context.params.get("trust_variants")
        if wanted != built:
            raise ValueError(
                f"trust_variants is {wanted!r} for this run (env {context.env!r}) but the pipelines were built with "
                f"{built!r}. Pipelines are built from conf/base and the environment KEDRO_ENV names: choose the "
                "environment with KEDRO_ENV=<env> rather than --env, and change the list in that environment's files, "
                "not with --params."
            )


class ProvenanceHooks:
    """Tags kedro-mlflow's run with the git commit and, before each node, the DVC hash of
    every data split the node reads; the model runs nested under it inherit them.

    A split many nodes read (``test_set``) is hashed again only when its file changed, and
    only new or changed tags reach MLflow.
    """

    def __init__(self) -> None:
        self._git: dict[str, str] = {}
        self._hashed: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}
        self._sent: dict[str, str] = {}

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        self._git = git_tags(Path(context.project_path))
        self._sent = {}

    @hook_impl
    def before_node_run(self, node: Node, catalog: DataCatalog) -> None:
        tags = dict(self._git)
        for name in node.inputs:
            dataset = None if name.startswith("params:") else catalog.get(name)
            if isinstance(dataset, ImageSetDataset) and dataset.filepath.is_file():
                tags |= self._data_tag(name, dataset.filepath)
        new = {k: v for k, v in tags.items() if self._sent.get(k) != v}
        if tag_active_run(new):
            self._sent |= new

    def _data_tag(self, name: str, path: Path) -> dict[str, str]:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        if name not in self._hashed or self._hashed[name][0] != key:
            self._hashed[name] = (key, data_tags({name: path}))
        return self._hashed[name][1]
