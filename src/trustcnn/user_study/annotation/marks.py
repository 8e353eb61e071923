"""People's marks read back as :class:`trustcnn.data.marks.Mark`: what the human-masks step
and anything else downstream consume. Kept apart from the server (it imports the data
package, which the server does not need)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from trustcnn.data.marks import Mark, MarkKind
from trustcnn.user_study.annotation.store import MarkStore


def read_marks(db: str | Path, key: Mapping[str, Any] | str | Path) -> list[Mark]:
    """Every participant's last submission for every image of the annotation package whose
    ``key`` (the ``key.json`` written beside the package, or its path) is given, from the
    database ``db``, ordered by participant and item. A mark's ``mask`` is the pixels of the
    ticked cells (each cell exactly its pixels) and of the brush, at the split's resolution;
    ``split`` and ``index`` come from the key. Marks made on another package (another
    ``study_id``) are not returned: they belong to that package's key."""
    db = Path(db)
    if not db.is_file():
        raise FileNotFoundError(f"{db} does not exist: serve the annotation task (trustcnn study serve --task annotate) to collect marks")
    if not isinstance(key, Mapping):
        key = cast(Mapping[str, Any], json.loads(Path(key).read_text()))
    if key.get("task") != "annotation":
        raise ValueError("read_marks needs the key of an annotation package (its 'task' is 'annotation')")
    items = key["items"]
    marks = []
    for stored in MarkStore(db).marks(key["study_id"]):
        image = items.get(stored.item_id)
        if image is None:
            raise ValueError(f"{db} has marks on item {stored.item_id!r}, which the key of study {key['study_id']} does not list")
        marks.append(
            Mark(str(stored.participant_id), stored.item_id, image["split"], int(image["index"]), cast(MarkKind, stored.kind), stored.mask)
        )  # MarkStore.mark stores a MarkKind
    return marks
