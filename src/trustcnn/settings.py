"""Project settings (https://docs.kedro.org/en/stable/configure/configuration_basics/)."""

import os
from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader
from kedro.utils import find_kedro_project
from omegaconf.resolvers import oc

from trustcnn.console import quiet_unactionable_warnings

quiet_unactionable_warnings()  # first: importing trustcnn.hooks imports kedro-mlflow, which warns

from trustcnn.config import with_trust_defaults  # noqa: E402
from trustcnn.hooks import (  # noqa: E402
    MlflowRunHook,
    ParallelThreadsCheck,
    ProvenanceHooks,
    RunGuard,
    RunProgress,
    VariantListCheck,
)
from trustcnn.lineage_check import LineageCheck  # noqa: E402


def _project_root() -> str:
    """The project's absolute path, so ``sqlite:///…/mlflow.db`` never depends on the
    working directory (``dvc exp run`` and tests run from elsewhere)."""
    root = find_kedro_project(Path.cwd())
    return str((root or Path.cwd()).resolve())


def _tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set (e.g. a real ``mlflow server``), else SQLite at the root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{_project_root()}/mlflow.db"


def _artifact_location() -> str | None:
    """Local artifacts beside the SQLite store; a server chooses its own."""
    return None if os.environ.get("MLFLOW_TRACKING_URI") else (Path(_project_root()) / "mlartifacts").as_uri()


# A tracking server that stops answering mid-run fails a call in about 30 s, not after
# MLflow's default minutes of retries (RunGuard checks it is up before the run starts).
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
# No pooled SQLite connection is open when ParallelRunner forks its workers (SQLite's rule:
# a connection must not cross fork()); each MLflow call opens its own, which costs microseconds.
os.environ.setdefault("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool")


class ConfigLoader(OmegaConfigLoader):
    """Kedro's loader; the parameters come with every trust variant laid over ``trust_defaults``
    (after ``--env`` and ``--params``, so ``--params=trust_defaults.epochs=2`` reaches them all)."""

    def __getitem__(self, key: str) -> Any:
        # ${globals:…} is one process-wide resolver, bound to the loader built last — e.g. the one
        # pipeline_registry builds for KEDRO_ENV, whose data_root isn't this run's (--env).
        self._register_globals_resolver()
        config = super().__getitem__(key)
        return with_trust_defaults(config) if key == "parameters" else config


CONFIG_LOADER_CLASS = ConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (e.g. conf/smoke) overrides single keys, not whole top-level blocks.
    "merge_strategy": {"parameters": "soft", "mlflow": "soft"},
    "custom_resolvers": {
        "oc.env": oc.env,
        "trustcnn.tracking_uri": _tracking_uri,
        "trustcnn.artifact_location": _artifact_location,
    },
}

HOOKS = (
    RunGuard(), ProvenanceHooks(), VariantListCheck(), MlflowRunHook(), RunProgress(), ParallelThreadsCheck(), LineageCheck(),
)
# kedro-mlflow's hook is MlflowRunHook above (flat parameters, run names that say what ran).
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)
