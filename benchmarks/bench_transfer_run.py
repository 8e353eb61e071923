"""Wall time of the default ``kedro run --pipelines=transfer``, beside the smoke env and beside
the same run under ``ParallelRunner`` with one torch thread per worker (how ``make replicate``
runs each seed).

A benchmark, not a test: run it by hand (``.venv/bin/python benchmarks/bench_transfer_run.py``)
on a quiet machine. Every run uses a fresh copy of the project's config, so caches and
earlier outputs don't help any of them. ``make run`` is the same work as DVC stages, one
``kedro run`` process per stage (docs/dvc.md); this times the work in one process.
"""

from __future__ import annotations

import os
import time

from project_copy import kedro_run, project_copy


def timed_run(*args: str, env: dict[str, str] | None = None) -> float:
    with project_copy() as root:
        start = time.perf_counter()
        kedro_run(root, *args, env=env)
        return time.perf_counter() - start


def main() -> None:
    smoke = timed_run("--pipelines=transfer", "--env=smoke")
    default = timed_run("--pipelines=transfer")
    workers = f"--runner-params=max_workers={os.cpu_count() or 1}"
    parallel = timed_run("--pipelines=transfer", "--runner=ParallelRunner", workers, env={"OMP_NUM_THREADS": "1"})
    print(f"cpu cores: {os.cpu_count()}")
    print(f"kedro run --pipelines=transfer --env=smoke : {smoke:7.1f} s")
    print(f"kedro run --pipelines=transfer             : {default:7.1f} s  ({default / smoke:.1f}x smoke; budget 240 s)")
    print(f"  the same, ParallelRunner, 1 thread each  : {parallel:7.1f} s  ({parallel / default:.2f}x the default run)")


if __name__ == "__main__":
    main()
