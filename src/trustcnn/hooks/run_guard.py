"""What happens when things go wrong (docs/failures.md): :class:`RunGuard`."""

from __future__ import annotations

import atexit
import logging
import os
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.validation.exceptions import ParameterValidationError
from kedro.validation.type_extractor import TypeExtractor
from mlflow.entities import RunStatus

from trustcnn.parameters import check_annotation_grid, check_known_parameters, configured_keys, invalid_parameters
from trustcnn.runtime import journal
from trustcnn.runtime.errors import ParameterError
from trustcnn.runtime.interrupts import DeferredInterrupts
from trustcnn.runtime.runlock import RunLock
from trustcnn.tracking import flatten
from trustcnn.tracking.liveness import check_reachable, close_stale_runs, end_active_runs

log = logging.getLogger(__name__)
STATE = Path("data") / ".trustcnn"  # the run lock and the rollback journal, under the project root


# Where an interruption would leave the tracking store locked or a run RUNNING (runtime/interrupts.py)
TRACKING_PACKAGES = ("mlflow", "sqlalchemy", "alembic", "kedro_mlflow")


class RunGuard:
    """Before anything runs: unknown parameters and an unreachable tracking server stop the
    run; one run per project (a lock); what a dead run left behind is undone (its journal
    rolled back, its temporary files deleted, its MLflow runs closed as KILLED). During the
    run every replaced output is journaled; an error or an interruption (Ctrl-C, SIGTERM; held
    back while MLflow writes) rolls the outputs back and ends the MLflow runs FAILED or KILLED."""

    def __init__(self) -> None:
        self._lock: RunLock | None = None
        self._root = Path.cwd()
        self._interrupts = DeferredInterrupts(TRACKING_PACKAGES)

    @hook_impl(tryfirst=True)
    def after_context_created(self, context: Any) -> None:
        from kedro.framework.project import pipelines  # Kedro's registry, built once per process (≈0.3 s a build)

        known = {name.split(":", 1)[1].split(".")[0] for p in pipelines.values() for name in p.inputs() if name.startswith("params:")}
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
        if bad := invalid_parameters(raw, TypeExtractor(dict(pipelines)).extract_types_from_pipelines()):
            raise ParameterError("\n".join(bad))
        try:
            params = context.params
        except ParameterValidationError as error:  # what the models above don't see, e.g. a block set to null
            raise ParameterError("\n".join(line.removeprefix("- ") for line in str(error).splitlines()[1:])) from error
        loader = context.config_loader
        envs = [loader.base_env, context.env or loader.default_run_env]
        runtime = getattr(context, "_runtime_params", None) or {}
        check_known_parameters({k: params.get(k) for k in runtime}, known | configured_keys(loader.conf_source, envs))
        check_annotation_grid(params)
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
        self._interrupts.install()
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
        self._interrupts.uninstall()
        atexit.unregister(self._interrupted)
        if self._lock is not None:
            self._lock.release()
            self._lock = None
