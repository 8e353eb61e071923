"""Project hooks, one concern a file: the run's safety (:class:`RunGuard`), the variant lists
(:class:`VariantListCheck`), provenance on the MLflow run (:class:`ProvenanceHooks`), progress
(:class:`RunProgress`), ParallelRunner's threads (:class:`ParallelThreadsCheck`), kedro-mlflow's
hook (:class:`MlflowRunHook`: flat parameters, a run name that says what ran and one group run
per ``dvc repro``) and the lineage check at every join (:class:`LineageCheck`)."""

from trustcnn.hooks.lineage_check import LineageCheck
from trustcnn.hooks.mlflow_run import MlflowRunHook
from trustcnn.hooks.progress import RunProgress
from trustcnn.hooks.provenance import ProvenanceHooks
from trustcnn.hooks.run_guard import RunGuard
from trustcnn.hooks.threads import ParallelThreadsCheck
from trustcnn.hooks.variant_lists import VariantListCheck

__all__ = [
    "LineageCheck",
    "MlflowRunHook",
    "ParallelThreadsCheck",
    "ProvenanceHooks",
    "RunGuard",
    "RunProgress",
    "VariantListCheck",
]
