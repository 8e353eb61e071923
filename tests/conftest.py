import os
import sys

import pytest

# Nothing may prompt or open a window in tests (and CI).
os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# Under pytest-xdist (make test and make test-fast: -n 2) each worker is one process on one core:
# torch's own threads would otherwise oversubscribe the cores the workers already fill — in the
# worker and in every kedro, dvc or torchrun process a test starts, which inherit OMP_NUM_THREADS
# (two workers each running torch on two threads run at a third of the speed: benchmarks/results.md).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _no_mlflow_experiment_left_behind():
    """``mlflow.set_experiment`` sets a module global and ``MLFLOW_EXPERIMENT_ID`` for the whole
    process: under xdist a later test file in the same worker would start its runs in an
    experiment its own store lacks ("No Experiment with id=1 exists"), and every kedro process
    it starts would inherit the id. Each test gets the state it started with back."""
    before = os.environ.get("MLFLOW_EXPERIMENT_ID")
    yield
    fluent = sys.modules.get("mlflow.tracking.fluent")
    if fluent is not None:
        fluent._active_experiment_id = None
    if before is None:
        os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    else:
        os.environ["MLFLOW_EXPERIMENT_ID"] = before
