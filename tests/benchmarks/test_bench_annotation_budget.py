"""The annotation-budget benchmark end to end at its tiny size: simulated marks at two budgets,
every model scored, the figure drawn and the docs' section written between its markers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_bench_annotation_budget_tiny_scores_every_cell_and_writes_the_docs_section(tmp_path: Path) -> None:
    results, figure, docs = tmp_path / "budget.json", tmp_path / "budget.png", tmp_path / "page.md"
    docs.write_text("# page\n\n<!-- annotation-budget:begin -->\nold\n<!-- annotation-budget:end -->\n\nafter\n")
    command = [
        sys.executable,
        "bench_annotation_budget.py",
        "--tiny",
        "--seeds",
        "1",
        "--datasets",
        "default",
        "--json",
        str(results),
        "--plot",
        str(figure),
        "--docs",
        str(docs),
    ]
    done = subprocess.run(command, cwd=BENCHMARKS, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    rows = json.loads(results.read_text())["rows"]
    cells = {(r["loss"], r["quality"], r["budget"]) for r in rows}
    # The tiny grid: two losses, qualities exact and box, budgets 0 and 5, and each loss on the data's masks.
    for loss in ("rrr", "rrr_gradcam"):
        assert {(loss, "data", None), (loss, "none", 0), (loss, "exact", 5), (loss, "box", 5)} <= cells
    assert {r["marked"] for r in rows if r["budget"] == 5} == {5} and {r["marked"] for r in rows if r["budget"] == 0} == {0}
    assert all(0.0 <= r["accuracy"] <= 1.0 and 0.0 <= r["flip_rate"] <= 1.0 for r in rows)
    assert figure.read_bytes().startswith(b"\x89PNG")

    page = docs.read_text()
    assert page.startswith("# page\n") and page.endswith("\nafter\n") and "old" not in page
    assert "Marked images needed for half the gap" in page and "| default | rrr |" in page

    again = subprocess.run(
        [
            sys.executable,
            "bench_annotation_budget.py",
            "--from-json",
            str(results),
            str(results),
            "--json",
            str(tmp_path / "both.json"),
            "--plot",
            str(figure),
        ],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(json.loads((tmp_path / "both.json").read_text())["rows"]) == 2 * len(rows)


def test_half_gap_budget_and_the_seed_interval_from_known_rows(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_annotation_budget as bench
    finally:
        sys.path.remove(str(BENCHMARKS))

    def row(seed: int, quality: str, budget: int | None, gap: float) -> dict:
        return {
            "dataset": "default",
            "seed": seed,
            "loss": "rrr",
            "quality": quality,
            "budget": budget,
            "marked": budget or 0,
            "accuracy": 0.5,
            "gap_closed": gap,
            "flip_rate": 0.1,
            "seconds": 1.0,
        }

    # The data's masks close 0.6 (0.5 and 0.7 over two seeds): half is 0.3, which exact marks reach at 25.
    rows = [row(0, "data", None, 0.5), row(1, "data", None, 0.7), row(0, "none", 0, 0.0), row(1, "none", 0, 0.0)]
    rows += [row(s, "exact", b, g) for s in (0, 1) for b, g in ((10, 0.2), (25, 0.3), (None, 0.6))]
    rows += [row(s, "wrong", b, -0.1) for s in (0, 1) for b in (10, 25, None)]
    summary = bench.summarise(rows)
    assert bench.half_gap_budget(summary, "default", "rrr", "exact") == (25, pytest.approx(0.6))
    assert bench.half_gap_budget(summary, "default", "rrr", "wrong") == (None, pytest.approx(0.6))
    data = next(s for s in summary if s["quality"] == "data")["gap_closed"]
    half_width = 12.706 * np.std([0.5, 0.7], ddof=1) / np.sqrt(2)  # t(0.975, 1 degree of freedom)
    assert data["value"] == pytest.approx(0.6) and data["ci95"][1] == pytest.approx(0.6 + half_width, rel=1e-3)
    results = {
        "json": "r.json",
        "seeds": 2,
        "trainings": 10,
        "seconds": 60.0,
        "summary": summary,
        "grids": {"default": {"losses": ["rrr"], "qualities": ["exact", "wrong"], "budgets": [0, 10, 25, None], "kind": "avoid"}},
    }
    page = bench.markdown(results, "figure.png")
    assert "| default | rrr | 0.60 [" in page and "| 0.60 [0.60, 0.60] | 25 | not run | not run | not reached |" in page
    bench.plot(summary, tmp_path / "figure.png")
    assert (tmp_path / "figure.png").read_bytes().startswith(b"\x89PNG")


def test_the_workers_change_the_wall_time_not_the_numbers(tmp_path: Path) -> None:
    """Two seeds one after another in one worker, or side by side in two: the same rows (each
    job seeds its own RNGs and runs torch on one thread)."""
    found = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.json"
        command = [sys.executable, "bench_annotation_budget.py", "--tiny", "--seeds", "2", "--datasets", "default"]
        command += ["--workers", str(workers), "--json", str(out), "--plot", str(tmp_path / f"w{workers}.png")]
        done = subprocess.run(command, cwd=BENCHMARKS, capture_output=True, text=True, timeout=3600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        results = json.loads(out.read_text())
        assert results["workers"] == workers and results["threads"] == 1
        found[workers] = [{k: v for k, v in row.items() if k != "seconds"} for row in results["rows"]]
    assert found[1] == found[2] and {row["seed"] for row in found[1]} == {0, 1}
