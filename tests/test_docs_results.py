"""The docs' result tables are written from the committed outputs (``make docs``): a number
typed or edited by hand, or outputs committed without ``make docs``, fail here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from trustcnn.replicates.docs import BEGIN, DECOY_FASHION, END, MACHINE, METRICS, README, RESULTS, SUMMARY, expected, stale
from trustcnn.replicates.summary import summarise

from .replicates.conftest import PARAMETERS, replicate

PROJECT = Path(__file__).resolve().parents[1]


def test_the_committed_docs_are_what_the_committed_outputs_give() -> None:
    differing = stale(PROJECT)
    assert not differing, "run `make docs` (python -m trustcnn.replicates.docs):\n" + "\n".join(differing.values())


def project_with_outputs(root: Path) -> Path:
    """A project with a summary over three seeds, one run's metrics and the README's markers."""
    (root / METRICS).parent.mkdir(parents=True)
    shutil.copy(PROJECT / METRICS, root / METRICS)
    (root / MACHINE).write_text(json.dumps({"seed": 0, "cpu": "Test CPU 9000", "cores": 2, "torch": "x", "torch_threads": 2}))
    summary = summarise({seed: replicate(seed) for seed in (0, 1, 2)}, PARAMETERS, ["accuracy", "gap_closed"])
    for path in (SUMMARY, DECOY_FASHION):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(summary))
    (root / "docs").mkdir()
    (root / README).write_text(f"# project\n\n{BEGIN}\nold\n{END}\n\nmore\n")
    for path, text in expected(root).items():
        (root / path).write_text(text)
    return root


def test_a_number_edited_by_hand_fails(tmp_path: Path) -> None:
    root = project_with_outputs(tmp_path)
    assert stale(root) == {}
    readme = (root / README).read_text()
    assert "| good | 0.650 ± 0.010 [0.625, 0.675] (3/3) |" in readme and readme.endswith("\n\nmore\n")
    (root / README).write_text(readme.replace("0.650 ± 0.010", "0.651 ± 0.010"))
    results = (root / RESULTS).read_text()
    (root / RESULTS).write_text(results.replace("0.400 ± 0.020", "0.40 ± 0.02"))
    differing = stale(root)
    assert set(differing) == {README, RESULTS}
    assert "-| good | 0.651 ± 0.010" in differing[README] and "+| good | 0.650 ± 0.010" in differing[README]


def test_new_outputs_without_make_docs_fail(tmp_path: Path) -> None:
    root = project_with_outputs(tmp_path)
    metrics = json.loads((root / METRICS).read_text())
    metrics["models"]["baseline"]["accuracy"]["value"] += 0.01
    (root / METRICS).write_text(json.dumps(metrics))
    assert set(stale(root)) == {RESULTS}


def test_results_page_labels_one_seed_and_puts_the_published_numbers_beside_ours(tmp_path: Path) -> None:
    text = (project_with_outputs(tmp_path) / RESULTS).read_text()
    assert "seed 0, on Test CPU 9000, 2 torch thread(s)" in text and "These intervals hold no training variance" in text
    assert "| plain (cross entropy) | 0.516 | 0.601 ± 0.051 |" in text
    assert "**What holds in every seed**" in text and "`good`: gap closed higher than the baseline's in 3/3 seeds" in text
