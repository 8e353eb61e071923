"""The results table of docs/criticism.md is the committed metrics.json's, never typed."""

from __future__ import annotations

import json
from pathlib import Path

from trustcnn.criticism.docs import with_table

PROJECT = Path(__file__).resolve().parents[2]


def test_the_docs_table_is_written_from_the_committed_metrics() -> None:
    doc = (PROJECT / "docs/criticism.md").read_text(encoding="utf-8")
    metrics = json.loads((PROJECT / "data/08_reporting/metrics.json").read_text(encoding="utf-8"))
    assert with_table(doc, metrics) == doc, "run `python -m trustcnn.criticism.docs` after committing new results"
