"""Wall time of the default ``kedro run --pipeline=transfer``, beside the smoke env.

A benchmark, not a test: run it by hand (``.venv/bin/python benchmarks/bench_transfer_run.py``)
on a quiet machine. Both runs use a fresh copy of the project's config, so caches and
earlier outputs don't help either of them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
KEDRO = Path(sys.executable).with_name("kedro")


def timed_run(*args: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "trustcnn"
        root.mkdir()
        shutil.copy(PROJECT / "pyproject.toml", root)
        shutil.copytree(PROJECT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
        (root / "conf" / "local").mkdir()
        (root / "src").mkdir()
        env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
        env |= {"KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}
        start = time.perf_counter()
        subprocess.run([str(KEDRO), "run", *args], cwd=root, env=env, check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    smoke = timed_run("--pipeline=transfer", "--env=smoke")
    default = timed_run("--pipeline=transfer")
    print(f"cpu cores: {os.cpu_count()}")
    print(f"kedro run --pipeline=transfer --env=smoke : {smoke:7.1f} s")
    print(f"kedro run --pipeline=transfer             : {default:7.1f} s  ({default / smoke:.1f}x smoke; budget 180 s)")


if __name__ == "__main__":
    main()
