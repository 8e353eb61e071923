"""Programs some integration tests need from Debian (``make test`` installs them as root):
found, or the test is skipped — except in CI (``CI`` set), where a missing one fails it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

CHROMIUM = Path(os.environ.get("TRUSTCNN_CHROMIUM", "/usr/bin/chromium"))
# Chromium on a machine with a closed network (see the project README): no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(program: str, package: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{program} is missing: `make test` installs Debian's {package} (as root)")
    pytest.skip(f"{program} is missing (Debian's {package} package)")


def chromium() -> Path:
    if not CHROMIUM.is_file():
        unavailable(str(CHROMIUM), "chromium")
    return CHROMIUM


def postgres_bin() -> Path:
    """The directory of Debian's PostgreSQL server programs (the newest major version
    installed), or ``TRUSTCNN_PG_BIN``."""
    if "TRUSTCNN_PG_BIN" in os.environ:
        candidates = [Path(os.environ["TRUSTCNN_PG_BIN"])]
    else:
        versions = [path for path in Path("/usr/lib/postgresql").glob("*/bin") if path.parent.name.isdigit()]
        candidates = sorted(versions, key=lambda path: int(path.parent.name), reverse=True)
    found = next((path for path in candidates if (path / "initdb").is_file() and (path / "pg_ctl").is_file()), None)
    if found is None:
        unavailable("PostgreSQL's initdb and pg_ctl (/usr/lib/postgresql/*/bin)", "postgresql")
    return found
