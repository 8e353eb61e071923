"""Wall time of the trust variants run one after another vs under Kedro's ParallelRunner.

A benchmark, not a test: ``.venv/bin/python benchmarks/bench_parallel_variants.py`` trains
the splits and the baseline (and combines the human masks) once (``--env``, default conf/base), then runs
``kedro run --pipelines=trust`` on copies of that project, serially and with
``--runner=ParallelRunner`` (``max_workers`` = the cores), each with torch's default thread
count and with one thread per process (``OMP_NUM_THREADS=1``). Each parallel run is compared
with the serial run of the same thread count — the one it must equal byte for byte (the
thread count changes the order floating-point sums are taken in) — and with the default
serial run.
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
        kedro_run(root, "--pipelines=ingestion,baseline,human_masks", *env_args, env=env)  # what the trust variants read
        one_thread = {**env, "OMP_NUM_THREADS": "1"}
        runs = {
            "serial": timed_trust(root, "serial", *env_args, env=env),
            "serial-1-thread": timed_trust(root, "serial-1-thread", *env_args, env=one_thread),
            "parallel": timed_trust(root, "parallel", *env_args, "--runner=ParallelRunner", workers, env=env),
            "parallel-1-thread": timed_trust(root, "parallel-1-thread", *env_args, "--runner=ParallelRunner", workers, env=one_thread),
        }
        print(f"cpu cores: {os.cpu_count()}, env: {args.env or 'base'}, histories compared: {', '.join(histories(runs['serial'][1]))}")
        default_serial = runs["serial"][0]
        for name, label in (
            ("serial", "trust, SequentialRunner                   "),
            ("serial-1-thread", "trust, SequentialRunner, OMP_NUM_THREADS=1"),
            ("parallel", "trust, ParallelRunner                     "),
            ("parallel-1-thread", "trust, ParallelRunner, OMP_NUM_THREADS=1  "),
        ):
            seconds, out = runs[name]
            line = f"{label}: {seconds:7.1f} s"
            if name.startswith("parallel"):
                peer_seconds, peer = runs[name.replace("parallel", "serial")]
                same = "same histories" if histories(out) == histories(peer) else "HISTORIES DIFFER"
                line += f"  ({peer_seconds / seconds:.2f}x its serial peer, {same}; {default_serial / seconds:.2f}x the default serial run)"
            print(line, flush=True)


if __name__ == "__main__":
    main()
