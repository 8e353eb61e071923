"""The trust variants under Kedro's ParallelRunner (README: "Parallel variants") give the
MLflow tree and the files a serial run gives: same runs, nesting, names, params, metrics; the
models scored in one-thread workers (DVC's ``analysis`` stage) give the serial run's files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mlflow.tracking import MlflowClient

from .conftest import SMOKE_DATA, SMOKE_EXPERIMENT, copy_run, kedro

VARIANTS = ("trust_gradcam", "trust_mask", "rrr")  # one with a grid search (nested runs), one with masks, RRR
SMOKE = {"KEDRO_ENV": "smoke"}  # the variant list comes from the environment KEDRO_ENV names


Fact = tuple[tuple[str, ...], str]  # (names of the nested runs down to it, "status" / "params.x" / …)


def mlflow_tree(client: MlflowClient, run_id: str, path: tuple[str, ...] = ()) -> dict[Fact, Any]:
    """A run and its nested runs, one item per fact keyed by the run's path of names, without
    ids, times, hosts or pids — so a difference names its run and key."""
    run = client.get_run(run_id)
    tree: dict[Fact, Any] = {(path, "status"): run.info.status}
    tree |= {(path, f"params.{k}"): v for k, v in run.data.params.items() if not k.endswith("run_id")}
    tree |= {(path, f"metrics.{k}"): v for k, v in run.data.metrics.items()}
    tree |= {(path, f"tags.{k}"): v for k, v in run.data.tags.items() if k.startswith("trustcnn.data.")}
    children = client.search_runs([run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    assert len({child.info.run_name for child in children}) == len(children), "two nested runs share a name"
    for child in children:
        tree |= mlflow_tree(client, child.info.run_id, (*path, child.info.run_name))
    return tree


def children(tree: dict[Fact, Any], *path: str) -> set[str]:
    return {run[len(path)] for run, _ in tree if run[: len(path)] == path and len(run) > len(path)}


def last_run_tree(root: Path) -> dict[Fact, Any]:
    """The tree of the project's latest ``kedro run``, which logged its artifacts in ``root``
    (a copy of the session's smoke run writes nothing into the original)."""
    client = MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(SMOKE_EXPERIMENT).experiment_id
    runs = client.search_runs([experiment], order_by=["attributes.start_time DESC"])
    last = next(run for run in runs if "mlflow.parentRunId" not in run.data.tags)
    assert last.info.artifact_uri.startswith(f"{root.resolve().as_uri()}/mlartifacts/"), last.info.artifact_uri
    return mlflow_tree(client, last.info.run_id)


@pytest.fixture(scope="module")
def trained_baseline(smoke_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's smoke run (its ingestion and baseline are what the trust variants read;
    neither depends on the variant list), copied, with these variants alone."""
    root = copy_run(smoke_run, tmp_path_factory.mktemp("parallel"))
    with (root / "conf" / "smoke" / "parameters.yml").open("a") as params:
        params.write(f"\ntrust_variants: {list(VARIANTS)}\nhuman_mask_variants: []\n")  # these alone
    return root


def run_trust(baseline: Path, dest: Path, *runner: str) -> Path:
    root = copy_run(baseline, dest)
    result = kedro(root, "run", "--pipelines=trust", "--env=smoke", *runner, env=SMOKE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root


def test_parallel_runner_gives_the_serial_mlflow_tree_and_files(trained_baseline: Path, tmp_path: Path) -> None:
    serial = run_trust(trained_baseline, tmp_path / "serial")
    parallel = run_trust(trained_baseline, tmp_path / "parallel", "--runner=ParallelRunner", "--runner-params=max_workers=2")

    serial_tree, parallel_tree = last_run_tree(serial), last_run_tree(parallel)
    assert children(serial_tree) == set(VARIANTS)
    assert len(children(serial_tree, "trust_gradcam")) == 9  # the grid's points, nested
    assert parallel_tree[(), "status"] == "FINISHED"
    assert {k: v for k, v in parallel_tree.items() if parallel_tree.get(k) != serial_tree.get(k)} == {
        k: v for k, v in serial_tree.items() if parallel_tree.get(k) != serial_tree.get(k)
    }
    for variant in VARIANTS:
        history = SMOKE_DATA / "08_reporting" / variant / "history.json"
        assert (parallel / history).read_text() == (serial / history).read_text(), variant
    assert not list((parallel / "data" / ".trustcnn").glob("journal-*")), "a worker left a journal behind"
    leftovers = list(parallel.rglob(".*.tmp-*"))
    assert not leftovers, f"temporary files left behind: {leftovers}"


ANALYSIS = "--pipelines=saliency,error_detection,robustness,criticism,evaluation"


def test_scoring_in_one_thread_workers_writes_the_serial_runs_bytes(smoke_run: Path, tmp_path: Path) -> None:
    """DVC's ``analysis`` stage scores the models under ParallelRunner, one torch thread per
    worker (dvc.yaml), unlike the serial two-thread run that trained them. Training's numbers
    depend on the thread count; scoring's must not: every file the two runs write is the same."""
    serial = copy_run(smoke_run, tmp_path / "serial")
    parallel = copy_run(smoke_run, tmp_path / "parallel")
    two_threads = {**SMOKE, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    one_thread = {**SMOKE, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for root, runner, env in (
        (serial, [], two_threads),
        (parallel, ["--runner=ParallelRunner", "--runner-params=max_workers=2"], one_thread),
    ):
        result = kedro(root, "run", ANALYSIS, "--env=smoke", *runner, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    files = sorted(p.relative_to(serial) for p in (serial / SMOKE_DATA).rglob("*") if p.is_file())
    assert any(f.suffix == ".npz" and "07_model_output" in f.parts for f in files)
    different = [str(f) for f in files if (serial / f).read_bytes() != (parallel / f).read_bytes()]
    assert different == []
