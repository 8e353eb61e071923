"""The replicates benchmark runs end to end on two tiny seeds: the sequential peer and the DVC
queue, with the same numbers either way (every replicate runs torch on one thread)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.integration
def test_bench_replicates_smoke_times_each_way_and_finds_the_same_numbers() -> None:
    result = subprocess.run(
        [sys.executable, "bench_replicates.py", "--smoke", "--ways", "sequential", "queue"],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("cpu cores:") and "seeds: [0, 1]" in lines[0]
    assert any(line.startswith("sequential     :") and " s, peak memory +" in line for line in lines)
    assert any(line.startswith("queue          :") and "x the sequential way, same numbers" in line for line in lines), result.stdout
