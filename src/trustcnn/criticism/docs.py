"""``python -m trustcnn.criticism.docs [DOC] [METRICS]``: rewrite the results table of
``docs/criticism.md`` (between its ``criticism-table`` markers) from ``metrics.json``, so the
numbers in the docs are the committed outputs', never typed (``tests/criticism`` checks)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from trustcnn.criticism.report import docs_table
from trustcnn.runtime.atomic import atomic_path

START, END = "<!-- criticism-table: written by python -m trustcnn.criticism.docs -->", "<!-- /criticism-table -->"
BLOCK = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.DOTALL)


def with_table(doc: str, metrics: dict) -> str:
    """``doc`` with the block between the markers replaced by :func:`docs_table` of ``metrics``."""
    if not BLOCK.search(doc):
        raise ValueError(f"the document has no block between {START!r} and {END!r}")
    return BLOCK.sub(lambda _: f"{START}\n{docs_table(metrics)}{END}", doc)


def main(doc: str = "docs/criticism.md", metrics: str = "data/08_reporting/metrics.json") -> None:
    text = with_table(Path(doc).read_text(encoding="utf-8"), json.loads(Path(metrics).read_text(encoding="utf-8")))
    with atomic_path(Path(doc)) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"{doc}: table written from {metrics}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
