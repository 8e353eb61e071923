"""The console: a progress line with an ETA, and no warnings a user can't act on."""

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import torch

from trustcnn.hooks import ParallelThreadsCheck  # imported here: importing Kedro's hooks sets up logging
from trustcnn.runtime.console import duration, progress_line, quiet_unactionable_warnings


def test_progress_line_counts_nodes_and_extrapolates_the_time_left() -> None:
    assert progress_line(3, 12, 90.0, "train_baseline") == "3/12 nodes (25%) in 1m30s, ETA ~4m30s — finished train_baseline"
    assert progress_line(12, 12, 3700.0, "log_evaluation").startswith("12/12 nodes (100%) in 1h01m, done")
    assert duration(59.6) == "1m00s" and duration(7) == "7s"


def test_unactionable_warnings_are_dropped_and_others_kept(caplog) -> None:
    quiet_unactionable_warnings()
    with warnings.catch_warnings(record=True) as seen:
        warnings.warn("Namespace 'rrr' is interrupted by nodes ['evaluate'] and thus invalid.", UserWarning, stacklevel=1)
        warnings.warn("something a user should see", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["something a user should see"]
    # MLflow shows its own under simplefilter("once"), past any filter: Kedro logs it as py.warnings.
    with caplog.at_level(logging.WARNING):
        logger = logging.getLogger("py.warnings")
        logger.warning("x.py:1: UserWarning: \x1b[33mAdd type hints to the `predict` method to enable…\x1b[0m\n  warn()")
        logger.warning("x.py:2: UserWarning: something a user should see")
        hook = logging.getLogger("kedro_mlflow.framework.hooks.mlflow_hook")
        hook.warning("Registering new custom resolver: 'km.random_name'")
        hook.warning("Mlflow run 'transfer' - '0123' has started")
    kept = ["x.py:2: UserWarning: something a user should see", "Mlflow run 'transfer' - '0123' has started"]
    assert [r.getMessage() for r in caplog.records] == kept


def test_loading_the_project_settings_prints_nothing() -> None:
    """Every `kedro` command, `--help` included, loads them (and with them kedro-mlflow and MLflow)."""
    project = Path(__file__).resolve().parents[2]  # its conf/logging.yml, as for `kedro` run there
    result = subprocess.run([sys.executable, "-c", "import trustcnn.settings"], cwd=project, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_parallel_workers_that_would_compete_for_the_cores_are_warned_about(caplog, monkeypatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        check = ParallelThreadsCheck()
        with caplog.at_level(logging.WARNING, logger="trustcnn.hooks"):
            check.before_pipeline_run({"runner": "<kedro.runner.sequential_runner.SequentialRunner object>"})
            assert not caplog.records
            check.before_pipeline_run({"runner": "<kedro.runner.parallel_runner.ParallelRunner object>"})
            assert "OMP_NUM_THREADS=1" in caplog.text and "2 threads" in caplog.text
            caplog.clear()
            monkeypatch.setenv("OMP_NUM_THREADS", "1")
            check.before_pipeline_run({"runner": "<kedro.runner.parallel_runner.ParallelRunner object>"})
            assert not caplog.records
    finally:
        torch.set_num_threads(threads)
