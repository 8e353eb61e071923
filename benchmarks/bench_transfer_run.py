"""Wall time of the default ``kedro run --pipelines=transfer``, beside the smoke env.

A benchmark, not a test: run it by hand (``.venv/bin/python benchmarks/bench_transfer_run.py``)
on a quiet machine. Both runs use a fresh copy of the project's config, so caches and
earlier outputs don't help either of them.
"""

from __future__ import annotations

import os
import time

from project_copy import kedro_run, project_copy


def timed_run(*args: str) -> float:
    with project_copy() as root:
        start = time.perf_counter()
        kedro_run(root, *args)
        return time.perf_counter() - start


def main() -> None:
    smoke = timed_run("--pipelines=transfer", "--env=smoke")
    default = timed_run("--pipelines=transfer")
    print(f"cpu cores: {os.cpu_count()}")
    print(f"kedro run --pipelines=transfer --env=smoke : {smoke:7.1f} s")
    print(f"kedro run --pipelines=transfer             : {default:7.1f} s  ({default / smoke:.1f}x smoke; budget 240 s)")


if __name__ == "__main__":
    main()
