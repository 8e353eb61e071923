"""Kedro's side of :mod:`trustcnn.lineage`: every ``kedro run`` refuses inputs made from
different versions of the data or a model, before any work, and every output records what
it was made from (docs/lineage.md).

Before the first node loads anything, the inputs the run reads but does not make (its free
inputs) are checked node by node: each must exist, and the ones a node combines must agree.
Before each node, all its inputs are checked again (some were made earlier in the run).
After it, each output that keeps a record (:class:`~trustcnn.storage.files.LineageFile`) is
given the union of its inputs' records; splits get their own version instead
(:func:`~trustcnn.lineage.split_records`: a split is where versions start).

The refresh command a message names is the stage (registered pipeline) that writes each stale
input, plus the stages between them that read their outputs, e.g. ``kedro run
--pipelines=baseline,trust`` — or ``dvc repro``, in the default environment DVC runs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline

from trustcnn.data import ImageSet
from trustcnn.lineage import Artefact, Record, check, check_steps, is_group, record_of, split_records
from trustcnn.runtime.errors import DataError, MissingFileError
from trustcnn.storage.files import ImageSetDataset, LineageFile

COMPOSITES = ("transfer", "__default__", "replicate")
"""Registered pipelines that are several stages together, not a stage."""


class LineageCheck:
    """Checks each run's and each node's inputs (before the run's first load, before each
    node) and gives each output its record (after the node, before Kedro saves it)."""

    def __init__(self) -> None:
        self._catalog: DataCatalog | None = None
        self._pipeline: Pipeline | None = None
        self._stages: dict[str, tuple[set[str], set[str]]] = {}  # stage → (inputs, outputs), in DAG order
        self._command, self._dvc = "kedro run --pipelines={}", True  # DVC runs the default environment
        self._root = Path.cwd()
        self._pending: dict[str, Record] = {}

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: DataCatalog) -> None:
        from trustcnn.pipeline_registry import register_pipelines

        self._stages = {
            name: (stage.inputs(), stage.all_outputs()) for name, stage in register_pipelines().items() if name not in COMPOSITES
        }
        env = run_params.get("env")
        self._dvc = env in (None, "local")
        if self._dvc:
            self._command = "kedro run --pipelines={}"
        elif os.environ.get("KEDRO_ENV") == env:  # how an environment with its own trust_variants is chosen
            self._command = f"KEDRO_ENV={env} kedro run --pipelines={{}}"
        else:
            self._command = f"kedro run --pipelines={{}} --env={env}"
        self._root = Path(run_params.get("project_path") or Path.cwd())
        self._catalog, self._pipeline = catalog, pipeline

    @hook_impl
    def before_dataset_loaded(self) -> None:
        self._check_run()

    @hook_impl
    def before_node_run(self, node: Node, catalog: DataCatalog) -> None:
        self._check_run()
        self._pending[node.name] = record_of(self._checked(node.inputs, catalog))

    @hook_impl
    def after_node_run(self, node: Node, catalog: DataCatalog, outputs: dict[str, Any]) -> None:
        record = self._pending.pop(node.name, {})
        splits = {
            name: value.to_arrays()
            for name, value in outputs.items()
            if isinstance(value, ImageSet) and isinstance(catalog.get(name), ImageSetDataset)
        }
        own = split_records(splits, node.name) if splits else {}
        for name in node.outputs:
            dataset = catalog.get(name)
            if isinstance(dataset, LineageFile) and dataset.records_lineage:
                dataset.set_lineage(own.get(name, record))

    def _check_run(self) -> None:
        """Once per run, before anything is loaded: each node's free inputs."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is None or self._catalog is None:
            return
        free, catalog = pipeline.inputs(), self._catalog
        steps = [self._inputs([name for name in node.inputs if name in free], catalog, must_exist=True) for node in pipeline.nodes]
        check_steps(steps, self._refresh, lambda key: self._current(key, catalog))

    def _checked(self, names: Sequence[str], catalog: DataCatalog) -> list[Artefact]:
        artefacts = self._inputs(names, catalog)
        check(artefacts, self._refresh, lambda key: self._current(key, catalog))
        return artefacts

    def _inputs(self, names: Sequence[str], catalog: DataCatalog, must_exist: bool = False) -> list[Artefact]:
        """The inputs among ``names`` that keep a lineage record (files that are missing
        stop the run with ``must_exist``, else are left to the dataset to report)."""
        artefacts: list[Artefact] = []
        for name in names:
            dataset = None if name.startswith("params:") else catalog.get(name)
            if not isinstance(dataset, LineageFile) or not dataset.records_lineage:
                continue
            if not dataset.exists():
                if must_exist:
                    raise MissingFileError(f"{self._shown(dataset.filepath)} does not exist: make it with {self._refresh([name])}")
                continue
            artefacts.append(self._artefact(name, dataset))
        return artefacts

    def _artefact(self, name: str, dataset: LineageFile) -> Artefact:
        try:
            artefact = dataset.artefact(name)
        except Exception as error:
            reason = (str(error).strip().splitlines() or [""])[0]
            raise DataError(
                f"{self._shown(dataset.filepath)} cannot be read ({type(error).__name__}: {reason}): make it again with "
                f"{self._refresh([name])}"
            ) from error
        return dataclasses.replace(artefact, path=self._shown(artefact.path))

    def _shown(self, path: str | Path) -> str:
        """``path`` as the user wrote it in the catalog: relative to the project."""
        path = Path(path)
        return str(path.relative_to(self._root)) if path.is_relative_to(self._root) else str(path)

    def _current(self, key: str, catalog: DataCatalog) -> tuple[str, str] | None:
        """The file and version of the split or model ``key`` names now, if there is one."""
        dataset = None if is_group(key) else catalog.get(key)
        if not isinstance(dataset, LineageFile) or not dataset.origin or not dataset.exists():
            return None
        artefact = self._artefact(key, dataset)
        return (artefact.path, artefact.version) if artefact.version else None

    def _refresh(self, stale: Sequence[str]) -> str:
        """The command that makes the ``stale`` datasets again: their stages and the stages
        between them that read what they write, in order."""
        order = list(self._stages)
        needed = {stage for stage, (_, outputs) in self._stages.items() if outputs & set(stale)}
        if not needed:
            return "`dvc repro`"
        made = set().union(*(self._stages[stage][1] for stage in needed))
        for stage in order[: max(order.index(s) for s in needed)]:
            inputs, outputs = self._stages[stage]
            if stage not in needed and inputs & made:
                needed.add(stage)
                made |= outputs
        command = f"`{self._command.format(','.join(s for s in order if s in needed))}`"
        return f"{command} (or `dvc repro`)" if self._dvc else command
