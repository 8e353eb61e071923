"""kedro-mlflow's hook as this project needs it: :class:`MlflowRunHook`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline
from kedro_mlflow.framework.hooks import MlflowHook
from kedro_mlflow.framework.hooks.utils import _assert_mlflow_enabled
from mlflow.exceptions import MlflowException
from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH
from pydantic import BaseModel

from trustcnn.parameters import SEED
from trustcnn.tracking import log_params, parent_run_name
from trustcnn.tracking.experiments import mark_model_development
from trustcnn.tracking.invocation import dvc_invocation, open_group, stage_tags


class MlflowRunHook(MlflowHook):
    """kedro-mlflow's hook (settings.py disables the plugin's own instance) with these changes:
    the run of each ``kedro run`` is named after what it runs — ``transfer``, ``trust`` for DVC's
    stage, ``trust[rrr]`` for ``kedro run --pipelines=trust --namespaces=rrr`` — unless ``mlflow.yml`` names
    it; typed parameters (pydantic models) reach MLflow as dicts, which
    ``dict_params.flatten`` turns into flat keys (``evaluation.n_resamples``), not as reprs; the
    run's ``seed`` is a parameter of it from the start; a node that reads every parameter
    (Kedro's ``parameters``) adds nothing: each block is logged by the nodes that use it;
    under DVC, each stage's run is nested in one run per ``dvc repro``
    (:mod:`trustcnn.tracking.invocation`); and the experiment opens on its runs in MLflow's UI
    (:mod:`trustcnn.tracking.experiments`)."""

    _group: str | None = None  # the run of the `dvc repro` this `kedro run` is a stage of

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        super().after_context_created(context)
        self._seed = context.params[SEED]

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: DataCatalog) -> None:
        run = self.mlflow_config.tracking.run
        configured = run.name
        run.name = configured or parent_run_name(run_params.get("pipeline_names"), run_params.get("namespaces"))
        names = run_params.get("pipeline_names") or [run_params.get("pipeline_name") or "__default__"]
        invocation, self._group = dvc_invocation() if not self._already_active_mlflow else None, None
        if invocation is not None and _assert_mlflow_enabled(names, self.mlflow_config):
            experiment = mlflow.get_experiment_by_name(self.mlflow_config.tracking.experiment.name)
            assert experiment is not None  # kedro-mlflow's after_context_created set it up
            self._group = open_group(invocation, experiment.experiment_id)
        try:
            super().before_pipeline_run(run_params, pipeline, catalog)
        finally:
            run.name = configured
        if self._is_mlflow_enabled:
            log_params({SEED: self._seed})
        if (active := mlflow.active_run()) is not None:
            mark_model_development(active.info.experiment_id)
            if invocation is not None:
                mlflow.set_tags(stage_tags(invocation))

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: DataCatalog) -> None:
        super().after_pipeline_run(run_params, pipeline, catalog)
        while self._group is not None and (active := mlflow.active_run()) is not None:
            mlflow.end_run()  # MLflow's stack may hold the stage's run twice (kedro-mlflow reopens it per node)
            if active.info.run_id == self._group:  # FINISHED, for now: the next stage reopens it
                break
        self._group = None

    _batch: dict[str, Any] | None = None  # the node's parameters, while before_node_run collects them

    @hook_impl
    def before_node_run(self, node: Node, catalog: DataCatalog, inputs: dict[str, Any], is_async: bool) -> None:
        plain = {k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v for k, v in inputs.items() if k != "parameters"}
        self._batch = {}
        try:
            super().before_node_run(node, catalog, plain, is_async)
        finally:
            batch, self._batch = self._batch, None
        log_params_batch(batch, super()._log_param)

    def _log_param(self, name: str, value: Any) -> None:
        """kedro-mlflow writes a node's parameters one transaction each (≈ 1,300 in the default
        run, 5 ms apiece); they go in one batch instead. Over-long values keep its strategy."""
        if self._batch is not None and len(str(value)) <= MAX_PARAM_VAL_LENGTH:
            self._batch[name] = value
        else:
            super()._log_param(name, value)


def log_params_batch(params: dict[str, Any], one_by_one: Callable[[str, Any], None]) -> None:
    """``params`` into the active run in one write. Under ``ParallelRunner`` two workers may
    log the same key into the run of the ``kedro run`` at once; MLflow's batch then fails on
    the key the other inserted first, where its single write accepts an equal value — so on
    failure each is written ``one_by_one``, which still fails on a value that really differs."""
    if not params:
        return
    try:
        mlflow.log_params(params)
    except MlflowException:
        for name, value in params.items():
            one_by_one(name, value)
