"""Write-then-rename, so a crash never leaves a half-written output behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trustcnn.runtime.journal import active


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); on success rename it onto
    ``path``, on failure delete it and leave any previous ``path`` untouched. With a
    :mod:`~trustcnn.runtime.journal` open, the previous ``path`` is kept first, so the whole run can
    be rolled back."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.stem}.tmp-{os.getpid()}{final.suffix}")
    try:
        yield tmp
        if (journal := active()) is not None:
            journal.keep(final)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
