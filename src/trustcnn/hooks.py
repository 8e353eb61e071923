"""Project hooks: provenance tags on the MLflow run of each ``kedro run``, a check that the
run's ``trust_variants`` are the ones its pipelines were built with, :class:`RunGuard` —
what happens when things go wrong (README: "What happens when things go wrong") —,
:class:`RunProgress` (a line with an ETA after each node), :class:`ParallelThreadsCheck` and
:class:`MlflowRunHook`
(kedro-mlflow's hook, with flat parameters and a run name that says what ran)."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline
from kedro_mlflow.framework.hooks import MlflowHook
from mlflow.entities import RunStatus
from pydantic import BaseModel

from trustcnn import journal
from trustcnn.console import progress_line
from trustcnn.config import check_known_parameters, configured_keys
from trustcnn.runlock import RunLock
from trustcnn.storage.files import ImageSetDataset
from trustcnn.tracking import data_tags, flatten, git_tags, parent_run_name, tag_active_run
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

        known = {name.split(":", 1)[1].split(".")[0] for p in register_pipelines().values() for name in p.inputs()
                 if name.startswith("params:")}
        try:
            params = context.params
        except Exception as error:  # omegaconf's merge errors name no parameter the user typed
            given = ", ".join(f"{k}={v}" for k, v in flatten(getattr(context, "_runtime_params", None) or {}).items())
            raise ValueError(
                f"--params {given or ''} cannot be merged into the configuration ({type(error).__name__}: "
                f"{str(error).splitlines()[0]}). A list-valued parameter is set whole (e.g. "
                "--params='bias.methods=[gradcam]'), not by index or sub-key."
            ) from error
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
        if (open_journal := journal.active()) is not None:
            restored = open_journal.rollback()
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
                raise ValueError(
                    f"{key} is {wanted!r} for this run (env {context.env!r}) but the pipelines were built with "
                    f"{list(built)!r}. Pipelines are built from conf/base and the environment KEDRO_ENV names: choose the "
                    "environment with KEDRO_ENV=<env> rather than --env, and change the list in that environment's files, "
                    "not with --params."
                )
        variant_lists(context.params)


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
        self._git = git_tags(Path(context.project_path)) | liveness_tags()
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
    """kedro-mlflow's hook (settings.py disables the plugin's own instance) with two changes:
    the run of each ``kedro run`` is named after what it runs — ``transfer``, ``trust[rrr]``
    for DVC's ``kedro run --pipelines=trust --namespaces=rrr`` — unless ``mlflow.yml`` names
    it; and typed parameters (pydantic models) reach MLflow as dicts, which
    ``dict_params.flatten`` turns into flat keys (``evaluation.n_resamples``), not as reprs."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline, catalog: DataCatalog) -> None:
        run = self.mlflow_config.tracking.run
        configured = run.name
        run.name = configured or parent_run_name(run_params.get("pipeline_names"), run_params.get("namespaces"))
        try:
            super().before_pipeline_run(run_params, pipeline, catalog)
        finally:
            run.name = configured

    @hook_impl
    def before_node_run(self, node: Node, catalog: DataCatalog, inputs: dict[str, Any], is_async: bool) -> None:
        plain = {k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v for k, v in inputs.items()}
        super().before_node_run(node, catalog, plain, is_async)
