"""The annotation-budget benchmark end to end at its tiny size: simulated marks at two budgets,
every model scored, the figure drawn and the docs' section written between its markers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_bench_annotation_budget_tiny_scores_every_cell_and_writes_the_docs_section(tmp_path: Path) -> None:
    results, figure, docs = tmp_path / "budget.json", tmp_path / "budget.png", tmp_path / "page.md"
    docs.write_text("# page\n\n<!-- annotation-budget:begin -->\nold\n<!-- annotation-budget:end -->\n\nafter\n")
    command = [
        sys.executable, "bench_annotation_budget.py", "--tiny", "--seeds", "1", "--datasets", "default",
        "--json", str(results), "--plot", str(figure), "--docs", str(docs),
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
        [sys.executable, "bench_annotation_budget.py", "--from-json", str(results), str(results), "--json", str(tmp_path / "both.json"),
         "--plot", str(figure)], cwd=BENCHMARKS, capture_output=True, text=True, timeout=600,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(json.loads((tmp_path / "both.json").read_text())["rows"]) == 2 * len(rows)
