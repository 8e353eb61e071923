"""Project hooks: provenance tags and dataset inputs on the MLflow run of each ``kedro run``,
a check that the run's ``trust_variants`` are the ones its pipelines were built with, :class:`RunGuard` —
what happens when things go wrong (docs/failures.md) —,
:class:`RunProgress` (a line with an ETA after each node), :class:`ParallelThreadsCheck` and
:class:`MlflowRunHook`
(kedro-mlflow's hook, with flat parameters, a run name that says what ran and one group run
per ``dvc repro``)."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline
from kedro.validation.exceptions import ParameterValidationError
from kedro.validation.type_extractor import TypeExtractor
from kedro_mlflow.framework.hooks import MlflowHook
from kedro_mlflow.framework.hooks.utils import _assert_mlflow_enabled
from mlflow.entities import RunStatus
from pydantic import BaseModel

from trustcnn import journal
from trustcnn.config import SEED, check_known_parameters, configured_keys, invalid_parameters
from trustcnn.console import progress_line
from trustcnn.errors import ParameterError
from trustcnn.runlock import RunLock
from trustcnn.storage.files import ImageSetDataset
from trustcnn.tracking import data_tags, flatten, git_tags, log_params, parent_run_name, seed_tags, tag_active_run
from trustcnn.tracking.datasets import log_splits, reading
from trustcnn.tracking.experiments import mark_model_development
from trustcnn.tracking.invocation import dvc_invocation, open_group, stage_tags
from trustcnn.tracking.liveness import check_reachable, close_stale_runs, end_active_runs, liveness_tags

log = logging.getLogger(__name__)
STATE = Path("data") / ".trustcnn"   # the run lock and the rollback journal, under the project root


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised where the run is, so it unwinds like Ctrl-C."""


def _terminate(signum: int, frame: Any) -> None:
    raise Interrupted(f"signal {signal.Signals(signum).name}")


class RunGuard:
    """Before anything runs: unknown parameters and an unreachable tracking server stop the
    run; one run per project (a lock); what a dead run left behind is undone (its journal
    rolled back, its temporary files deleted, its MLflow runs closed as KILLED). During the
    run every replaced output is journaled; an error or an interruption (Ctrl-C, SIGTERM)
    rolls the outputs back and ends the MLflow runs FAILED or KILLED."""

    def __init__(self) -> None:
        self._lock: RunLock | None = None
        self._root = Path.cwd()

    @hook_impl(tryfirst=True)
    def after_context_created(self, context: Any) -> None:
        from trustcnn.pipeline_registry import register_pipelines

        pipelines = register_pipelines()
        known = {name.split(":", 1)[1].split(".")[0] for p in pipelines.values() for name in p.inputs()
                 if name.startswith("params:")}
        try:
            raw = context.config_loader["parameters"]
        except ParameterError:  # e.g. a bad top-level seed, named by the loader
            raise
        except Exception as error:  # omegaconf's merge errors name no parameter the user typed
            given = ", ".join(f"{k}={v}" for k, v in flatten(getattr(context, "_runtime_params", None) or {}).items())
            raise ParameterError(
                f"--params {given or ''} cannot be merged into the configuration ({type(error).__name__}: "
                f"{str(error).splitlines()[0]}): a list-valued parameter is set whole (e.g. "
                "--params='bias.methods=[gradcam]'), not by index or sub-key"
            ) from error
        # Before Kedro's own validation, whose error folds every reason into one exception's text.
        if bad := invalid_parameters(raw, TypeExtractor(pipelines).extract_types_from_pipelines()):
            raise ParameterError("\n".join(bad))
        try:
            params = context.params
        except ParameterValidationError as error:  # what the models above don't see, e.g. a block set to null
            raise ParameterError("\n".join(line.removeprefix("- ") for line in str(error).splitlines()[1:])) from error
        loader = context.config_loader
        envs = [loader.base_env, context.env or loader.default_run_env]
        runtime = getattr(context, "_runtime_params", None) or {}
        check_known_parameters({k: params.get(k) for k in runtime}, known | configured_keys(loader.conf_source, envs))
        check_reachable(os.environ.get("MLFLOW_TRACKING_URI", ""))
        self._root = Path(context.project_path)

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        state = self._root / STATE
        names = run_params.get("pipeline_names") or [run_params.get("pipeline_name") or "__default__"]
        self._lock = RunLock.acquire(state / "run.lock", f"kedro run --pipelines={','.join(names)}")
        for line in journal.recover(state):
            log.warning("an earlier run died mid-way; %s", line)
        for path in journal.remove_orphans(self._root / "data"):
            log.warning("removed %s, left by a run killed while writing it", path)
        closed = close_stale_runs()
        if closed:
            log.warning("closed %d MLflow run(s) left RUNNING by a killed run as KILLED: %s", len(closed), closed)
        journal.open_journal(state / f"journal-{os.getpid()}")
        signal.signal(signal.SIGTERM, _terminate)
        atexit.register(self._interrupted)

    @hook_impl
    def after_pipeline_run(self) -> None:
        if (open_journal := journal.active()) is not None:
            open_journal.commit()
        self._release()

    @hook_impl
    def on_pipeline_error(self, error: Exception) -> None:
        self._roll_back(f"the run failed ({type(error).__name__})")
        self._release()

    def _interrupted(self) -> None:
        """At exit (before MLflow's own handler, which would mark the runs FINISHED): a run
        still journaling was interrupted — roll back, and end its MLflow runs as KILLED."""
        if journal.active() is None:
            return
        self._roll_back("the run was interrupted")
        ended = end_active_runs(RunStatus.to_string(RunStatus.KILLED))
        if ended:
            log.warning("ended MLflow run(s) %s as KILLED", ended)
        self._release()

    def _roll_back(self, why: str) -> None:
        if (open_journal := journal.active()) is not None and (restored := open_journal.rollback()):
            log.warning("%s: its outputs are rolled back (%d path(s) restored or removed)", why, len(restored))

    def _release(self) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        atexit.unregister(self._interrupted)
        if self._lock is not None:
            self._lock.release()
            self._lock = None


class VariantListCheck:
    """Stops a run whose ``trust_variants`` or ``human_mask_variants`` (after ``--env`` and
    ``--params``) differ from the lists the pipelines were built with — Kedro builds them
    before it reads those, so the run would otherwise silently train other variants than its
    configuration names — or whose variants' ``masks`` contradict their list."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        from trustcnn.pipeline_registry import human_mask_variants, trust_variants, variant_lists

        for key, built in (("trust_variants", trust_variants()), ("human_mask_variants", human_mask_variants())):
            wanted = context.params.get(key)
            wanted = list(wanted or []) if key == "human_mask_variants" else wanted  # an optional list
            if wanted != list(built):
                raise ParameterError(
                    f"{key} is {wanted!r} for this run (env {context.env!r}) but the pipelines were built with "
                    f"{list(built)!r}. Pipelines are built from conf/base and the environment KEDRO_ENV names: choose the "
                    "environment with KEDRO_ENV=<env> rather than --env, and change the list in that environment's files, "
                    "not with --params."
                )
        variant_lists(context.params)


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


class RunProgress:
    """After each node: how many of the run's nodes are done, the time so far and an ETA
    (Kedro's own line says only "Completed 12 out of 56 tasks"). Counted in the process that
    started the run; a ParallelRunner worker's nodes are not counted there."""

    def __init__(self) -> None:
        self._pid, self._total, self._done, self._start = 0, 0, 0, 0.0

    @hook_impl
    def before_pipeline_run(self, pipeline: Pipeline) -> None:
        self._pid, self._total, self._done, self._start = os.getpid(), len(pipeline.nodes), 0, time.monotonic()

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        if os.getpid() != self._pid:
            return
        self._done += 1
        log.info(progress_line(self._done, self._total, time.monotonic() - self._start, node.name))


class ParallelThreadsCheck:
    """``ParallelRunner`` forks one worker per node, each with torch's default thread pool:
    on a CPU the workers then fight over the cores (measured on 2 cores, the seven default
    variants: 0.36× the serial run; with ``OMP_NUM_THREADS=1``, 1.97× the serial run of one
    thread). Says so before the run when nothing has set the thread count."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        if "ParallelRunner" not in str(run_params.get("runner", "")) or "OMP_NUM_THREADS" in os.environ:
            return
        import torch

        if (threads := torch.get_num_threads()) > 1:
            log.warning(
                "ParallelRunner: every worker runs torch on %d threads, so on %d CPU cores the workers compete and "
                "the run can be slower than a serial one. Give each worker its share of the cores (cores / "
                "max_workers): OMP_NUM_THREADS=1 kedro run ... (the results then equal a serial run with the same "
                "OMP_NUM_THREADS, byte for byte)",
                threads, os.cpu_count() or 1,
            )


class MlflowRunHook(MlflowHook):
    """kedro-mlflow's hook (settings.py disables the plugin's own instance) with these changes:
    the run of each ``kedro run`` is named after what it runs — ``transfer``, ``trust[rrr]``
    for DVC's ``kedro run --pipelines=trust --namespaces=rrr`` — unless ``mlflow.yml`` names
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

    @hook_impl
    def before_node_run(self, node: Node, catalog: DataCatalog, inputs: dict[str, Any], is_async: bool) -> None:
        plain = {k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v for k, v in inputs.items() if k != "parameters"}
        super().before_node_run(node, catalog, plain, is_async)
