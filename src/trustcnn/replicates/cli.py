"""``trustcnn replicate`` (``make replicate``): every seed of ``replicate.seeds`` that DVC finds
stale, then the aggregate, then — for the default experiment — ``dvc repro``, whose evaluation
then follows the champion across seeds. Run from the project root.

Seeds run one after another (``--jobs 1``, the plain ``dvc repro replicates/dvc.yaml``), each
with ``--runner parallel`` (Kedro's ParallelRunner, a worker per core) or not; or ``--jobs N``
at a time as DVC experiments (``dvc exp run --queue`` + ``dvc queue start --jobs N``), each in
its own copy of the project — their outputs reach this one through DVC's run cache, and their
MLflow runs this project's store (``MLFLOW_TRACKING_URI``); the main pipeline is brought up to
date first, because an experiment commits every output ``dvc.lock`` names. Every path gives the same numbers:
a replicate runs torch on one thread."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import click

DEFAULT_ENVS = (None, "", "base", "local")
RUNNERS = {"sequential": "", "parallel": f"--runner=ParallelRunner --runner-params=max_workers={os.cpu_count() or 1}"}
RUNNER_VARIABLE = "TRUSTCNN_REPLICATE_RUNNER"  # expanded by the shell in the stages' cmd (replicates/dvc.yaml)
QUEUED = re.compile(r"Queued experiment '([^']+)'")


def replicates_file(root: Path, env: str | None) -> Path:
    """``replicates/dvc.yaml`` for the default experiment, ``replicates/<env>/dvc.yaml`` for another."""
    path = root / "replicates" / ("dvc.yaml" if env in DEFAULT_ENVS else f"{env}/dvc.yaml")
    if not path.is_file():
        raise click.ClickException(f"{path.relative_to(root)} does not exist: no replicates are defined for environment {env!r}")
    return path


def dvc(root: Path, *args: str, env: dict[str, str] | None = None, capture: bool = False) -> str:
    done = subprocess.run(["dvc", *args], cwd=root, env=env, text=True, capture_output=capture)
    if done.returncode != 0:
        detail = f"\n{done.stdout[-3000:]}{done.stderr[-3000:]}" if capture else ""
        raise click.ClickException(f"dvc {' '.join(args)} failed (exit {done.returncode}){detail}")
    return done.stdout if capture else ""


def stale_seeds(root: Path, dvc_file: Path) -> list[str]:
    """The seed stages of ``dvc_file`` that ``dvc status`` finds changed (never run included)."""
    status = json.loads(dvc(root, "status", str(dvc_file.relative_to(root)), "--json", capture=True) or "{}")
    return [stage for stage in status if ":seed@" in stage]


def _queue_log_tail(root: Path, name: str, env: dict[str, str], lines: int = 25) -> str:
    done = subprocess.run(["dvc", "queue", "logs", name], cwd=root, env=env, text=True, capture_output=True)
    return "\n".join((done.stdout + done.stderr).splitlines()[-lines:])


def queue_status(root: Path, names: list[str]) -> dict[str, str]:
    """``{experiment: "Queued" | "Running" | "Success" | "Failed" | …}`` from ``dvc queue status``."""
    found = {}
    for line in dvc(root, "queue", "status", capture=True).splitlines():
        cells = line.split()
        if len(cells) >= 3 and cells[1] in names:
            found[cells[1]] = cells[-1]
    return found


def run_queued(root: Path, stages: list[str], jobs: int, env: dict[str, str], poll_s: float = 5.0) -> None:
    """Each of ``stages`` as a queued DVC experiment, ``jobs`` at a time; waits for all, fails
    naming the experiments that failed (``dvc queue logs <name>`` shows why)."""
    local = [p for p in sorted((root / "conf/local").rglob("*")) if p.is_file() and p.name != ".gitkeep"]
    copy = [arg for p in local for arg in ("-C", str(p.relative_to(root)))]  # git ignores them; the copies need them
    names = []
    for stage in stages:
        out = dvc(root, "exp", "run", "--queue", *copy, stage, env=env, capture=True)
        names += QUEUED.findall(out)
    click.echo(f"queued {len(names)} replicate(s): {', '.join(names)}; running {jobs} at a time")
    dvc(root, "queue", "start", "--jobs", str(jobs), env=env)
    states = queue_status(root, names)
    while len(states) < len(names) or any(state in ("Queued", "Running") for state in states.values()):
        time.sleep(poll_s)
        states = queue_status(root, names)
    failed = [name for name, state in states.items() if state != "Success"]
    if failed:
        logs = "".join(f"\n--- dvc queue logs {name}, last lines ---\n{_queue_log_tail(root, name, env)}" for name in failed)
        raise click.ClickException(f"replicate experiment(s) {failed} failed: dvc queue logs <name> shows why{logs}")
    dvc(root, "exp", "remove", *names, capture=True)  # their outputs are in the run cache; `dvc repro` checks them out


@click.command(help="Run the experiment once per seed in replicate.seeds (those DVC finds stale), then the summary across seeds.")
@click.option("--env", default=None, help="a configuration environment with replicates/<env>/dvc.yaml (e.g. decoy_fashion)")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="seeds at a time (more than 1: DVC experiments in a queue)",
)
@click.option(
    "--runner",
    type=click.Choice(sorted(RUNNERS)),
    default="sequential",
    show_default=True,
    help="Kedro's runner inside each seed (parallel: ParallelRunner, a worker per core)",
)
@click.option(
    "--main/--no-main",
    default=True,
    show_default=True,
    help="then `dvc repro` (default experiment only): its evaluation follows the summary's champion",
)
def replicate(env: str | None, jobs: int, runner: str, main: bool) -> None:
    root = Path.cwd()
    dvc_file = replicates_file(root, env)
    environ = {**os.environ, RUNNER_VARIABLE: RUNNERS[runner]}
    if jobs > 1:
        environ.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")  # the queue runs in copies
        stages = stale_seeds(root, dvc_file)
        if stages:
            # A queued experiment commits every output the project's dvc.lock names, so the main
            # pipeline's must be in DVC's cache: `dvc repro` first (nothing to do after `make run`).
            dvc(root, "repro", env=environ)
            run_queued(root, stages, jobs, environ)
    dvc(root, "repro", str(dvc_file.relative_to(root)), env=environ)
    if main and env in DEFAULT_ENVS:
        dvc(root, "repro", env=environ)  # the evaluation follows the new summary's champion
