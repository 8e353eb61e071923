from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fashion_files import write_fashion_raw


@pytest.fixture
def raw_root(tmp_path: Path) -> Path:
    return write_fashion_raw(tmp_path / "raw")
