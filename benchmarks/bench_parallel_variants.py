"""Wall time of the trust variants run one after another vs under Kedro's ParallelRunner.

A benchmark, not a test: ``.venv/bin/python benchmarks/bench_parallel_variants.py`` trains
the splits and the baseline once (``--env``, default conf/base), then runs
``kedro run --pipelines=trust`` on copies of that project: serially, with
``--runner=ParallelRunner`` (``max_workers`` = the cores) and the same with one torch thread
per worker (``OMP_NUM_THREADS=1``), and says whether each run wrote the serial run's
training histories.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

from project_copy import kedro_run, project_copy


def timed_trust(baseline: Path, name: str, *args: str, env: dict[str, str]) -> tuple[float, Path]:
    root = baseline.with_name(name)
    shutil.copytree(baseline, root)
    start = time.perf_counter()
    kedro_run(root, "--pipelines=trust", *args, env=env)
    return time.perf_counter() - start, root


def histories(root: Path) -> dict[str, str]:
    """Each model's training history, wherever the environment keeps its data (``data/envs/<env>``)."""
    return {p.parent.name: p.read_text() for p in sorted(root.glob("data/**/08_reporting/*/history.json"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", help="a conf/ environment (e.g. smoke); it also chooses the variant list")
    parser.add_argument("--checkout", type=Path, help="run this checkout's conf/ and src/ instead of the installed code")
    args = parser.parse_args()
    env_args = (f"--env={args.env}",) if args.env else ()
    env = {"KEDRO_ENV": args.env} if args.env else {}
    workers = f"--runner-params=max_workers={os.cpu_count()}"
    with project_copy(args.checkout) as root:
        kedro_run(root, "--pipelines=ingestion,baseline", *env_args, env=env)
        serial, serial_root = timed_trust(root, "serial", *env_args, env=env)
        parallel, parallel_root = timed_trust(root, "parallel", *env_args, "--runner=ParallelRunner", workers, env=env)
        single, single_root = timed_trust(
            root, "parallel-1-thread", *env_args, "--runner=ParallelRunner", workers, env={**env, "OMP_NUM_THREADS": "1"}
        )
        reference = histories(serial_root)
        print(f"cpu cores: {os.cpu_count()}, env: {args.env or 'base'}, variants: {', '.join(reference)}")
        print(f"trust, SequentialRunner                      : {serial:7.1f} s")
        for label, seconds, out in (
            ("trust, ParallelRunner                        ", parallel, parallel_root),
            ("trust, ParallelRunner, OMP_NUM_THREADS=1     ", single, single_root),
        ):
            same = "same histories" if histories(out) == reference else "HISTORIES DIFFER"
            print(f"{label}: {seconds:7.1f} s  ({serial / seconds:.2f}x; {same})")


if __name__ == "__main__":
    main()
