"""docs/failures.md: every row of the table names a test that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_case_in_the_failures_table_names_an_existing_test() -> None:
    rows = [line for line in (ROOT / "docs/failures.md").read_text().splitlines() if line.startswith("| ") and "---" not in line]
    cases = [row for row in rows[1:] if not row.startswith("| **")]  # the header and the section rows aside
    assert len(cases) >= 25
    for row in cases:
        test = row.rstrip(" |").rsplit("|", 1)[-1].strip().strip("`")
        path, _, name = test.partition("::")
        assert (ROOT / path).is_file(), row
        assert re.search(rf"^def {re.escape(name)}\(", (ROOT / path).read_text(), re.MULTILINE), row
