"""The lineage benchmark runs at a tiny size (``--smoke``) and prints both rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_lineage_smoke_prints_each_cost_against_its_peer() -> None:
    result = subprocess.run([sys.executable, "bench_lineage.py", "--smoke"], cwd=BENCHMARKS, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [line.split(" | ") for line in result.stdout.splitlines() if line.startswith(("| record", "| read"))]
    assert len(rows) == 2
    for row in rows:
        assert float(row[1]) >= 0 and float(row[3].rstrip(" |")) >= 0
