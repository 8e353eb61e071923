"""Project settings (https://docs.kedro.org/en/stable/configure/configuration_basics/)."""

import copy
import os
from pathlib import Path
from typing import Any

from kedro.config import OmegaConfigLoader
from kedro.utils import find_kedro_project
from omegaconf.resolvers import oc

from trustcnn.runtime.console import quiet_unactionable_warnings

quiet_unactionable_warnings()  # first: importing trustcnn.hooks imports kedro-mlflow, which warns

from trustcnn.hooks import (  # noqa: E402
    MlflowRunHook,
    ParallelThreadsCheck,
    ProvenanceHooks,
    RunGuard,
    RunProgress,
    VariantListCheck,
)
from trustcnn.hooks.lineage_check import LineageCheck  # noqa: E402
from trustcnn.parameters import with_seeds, with_trust_defaults  # noqa: E402
from trustcnn.replicates.layout import for_replicate  # noqa: E402


def _project_root() -> str:
    """The project's absolute path, so ``sqlite:///…/mlflow.db`` never depends on the
    working directory (``dvc exp run`` and tests run from elsewhere)."""
    root = find_kedro_project(Path.cwd())
    return str((root or Path.cwd()).resolve())


def _tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set (e.g. a real ``mlflow server``), else SQLite at the root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{_project_root()}/mlflow.db"


def _artifact_location() -> str | None:
    """Local artifacts beside the SQLite store (the project's, or the one ``MLFLOW_TRACKING_URI``
    names: ``dvc exp run --queue`` runs in a copy of the project and must write where the store
    is); a server chooses its own."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        return (Path(_project_root()) / "mlartifacts").as_uri()
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlartifacts").as_uri()
    return None


# A tracking server that stops answering mid-run fails a call in about 30 s, not after
# MLflow's default minutes of retries (RunGuard checks it is up before the run starts).
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
# No pooled SQLite connection is open when ParallelRunner forks its workers (SQLite's rule:
# a connection must not cross fork()); each MLflow call opens its own, which costs microseconds.
os.environ.setdefault("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool")


class ConfigLoader(OmegaConfigLoader):
    """Kedro's loader; the parameters come with every trust variant laid over ``trust_defaults``
    and the top-level ``seed`` in every seeded part that sets none (after ``--env`` and
    ``--params``, so ``--params=trust_defaults.epochs=2`` reaches every variant and
    ``--params=seed=3`` every part). A replicate's run (``--params=seed=N,replicate.active=true``)
    writes under ``<data_root>/replicates/seed_<N>`` and tracks into ``<experiment>-replicates``."""

    def __getitem__(self, key: str) -> Any:
        # ${globals:…} is one process-wide resolver, bound to the loader built last — e.g. the one
        # pipeline_registry builds for KEDRO_ENV, whose data_root isn't this run's (--env).
        self._register_globals_resolver()
        config = self._read(key)
        if key == "parameters":
            return with_seeds(with_trust_defaults(config))
        if key in ("globals", "mlflow") and (seed := self._replicate_seed()) is not None:
            return for_replicate(key, config, seed)
        return config

    def _replicate_seed(self) -> int | None:
        """The seed of this run when it is a replicate (``replicate.active``), else None. Parameters
        that can't be read here are reported when the run reads them, naming the parameter."""
        try:
            params = self._read("parameters")
        except Exception:  # noqa: BLE001 - RunGuard reports it with the parameter's name
            return None
        active = (params.get("replicate") or {}).get("active")
        return params.get("seed", 0) if active is True else None

    def __setitem__(self, key: str, value: Any) -> None:
        self.__dict__.get("_read_cache", {}).pop(key, None)  # a key set by hand is read as set
        super().__setitem__(key, value)

    def _read(self, key: str) -> Any:
        """Kedro's reading of ``key``, once per loader: a ``kedro run`` asks for the parameters
        about ten times, and each reading parses every file again (≈ 0.1 s each). A copy each
        time, as Kedro's own loader gives: callers may change what they get."""
        cache = self.__dict__.setdefault("_read_cache", {})
        if key not in cache:
            cache[key] = super().__getitem__(key)
        return copy.deepcopy(cache[key])


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
    RunGuard(),
    ProvenanceHooks(),
    VariantListCheck(),
    MlflowRunHook(),
    RunProgress(),
    ParallelThreadsCheck(),
    LineageCheck(),
)
# kedro-mlflow's hook is MlflowRunHook above (flat parameters, run names that say what ran).
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)
