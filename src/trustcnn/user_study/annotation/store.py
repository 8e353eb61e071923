"""People's marks, durable: the study's SQLite store (participants, WAL, one committed
transaction per write) with one more table.

``marks`` holds one row per participant and item — the cells they ticked (row-major cell
numbers, JSON), the brush's packed pixel bits (or NULL) and the grid's geometry, so a row
says which pixels it marks without the package. Submitting an image again replaces that
participant's row for it, nobody else's.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

import numpy as np

from trustcnn.user_study.annotation.grid import Grid
from trustcnn.user_study.store import Participant, ResponseStore

MARKS_SCHEMA = """
CREATE TABLE IF NOT EXISTS marks (
    participant_id INTEGER NOT NULL REFERENCES participants(participant_id),
    item_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('avoid', 'object')),
    grid_rows INTEGER NOT NULL,
    grid_cols INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    cells TEXT NOT NULL,
    brush BLOB,
    marked_at REAL NOT NULL,
    PRIMARY KEY (participant_id, item_id)
);
"""


@dataclass(frozen=True)
class StoredMark:
    """One row of ``marks``: ``brush`` is the pixel mask (``None``: no brush)."""

    participant_id: int
    study_id: str
    item_id: str
    kind: str
    grid: Grid
    cells: list[int]
    brush: np.ndarray | None

    @property
    def mask(self) -> np.ndarray:
        """Boolean ``[height, width]``: the ticked cells' pixels, and the brush's."""
        mask = self.grid.cell_mask(self.cells)
        return mask if self.brush is None else mask | self.brush


class MarkStore(ResponseStore):
    """The study store with marks; the same file layout, so one database may hold both."""

    def initialise(self) -> None:
        super().initialise()
        with self._connect() as connection:
            connection.executescript(MARKS_SCHEMA)

    def mark(self, participant: Participant, item_id: str, kind: str, grid: Grid, cells: list[int], brush: np.ndarray | None) -> None:
        """Store (or replace) ``participant``'s marks on ``item_id`` in one transaction."""
        packed = None if brush is None else np.packbits(brush, axis=None).tobytes()
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO marks (participant_id, item_id, kind, grid_rows, grid_cols, height, width, cells, brush, marked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (participant_id, item_id) DO UPDATE SET"
                " kind = excluded.kind, grid_rows = excluded.grid_rows, grid_cols = excluded.grid_cols,"
                " height = excluded.height, width = excluded.width, cells = excluded.cells, brush = excluded.brush,"
                " marked_at = excluded.marked_at",
                (
                    participant.participant_id,
                    item_id,
                    kind,
                    grid.rows,
                    grid.cols,
                    grid.height,
                    grid.width,
                    json.dumps(cells),
                    packed,
                    time.time(),
                ),
            )

    def marks(self, study_id: str, participant: Participant | None = None) -> list[StoredMark]:
        """The marks made on study ``study_id`` (only ``participant``'s when given), by participant and item."""
        if not self.path.is_file():
            return []
        query = (
            "SELECT m.participant_id, p.study_id, m.item_id, m.kind, m.grid_rows, m.grid_cols, m.height, m.width, m.cells, m.brush"
            " FROM marks m JOIN participants p USING (participant_id) WHERE p.study_id = ?"
        )
        arguments: tuple = (study_id,)
        if participant is not None:
            query, arguments = query + " AND m.participant_id = ?", (study_id, participant.participant_id)
        with self._connect() as connection:
            try:
                rows = connection.execute(query + " ORDER BY m.participant_id, m.item_id", arguments).fetchall()
            except sqlite3.OperationalError as error:
                if "no such table" in str(error):
                    return []  # a study database nobody has marked in yet
                raise
        return [_stored(*row) for row in rows]


def _stored(participant_id, study_id, item_id, kind, rows, cols, height, width, cells, brush) -> StoredMark:
    grid = Grid(rows, cols, height, width)
    pixels = None
    if brush is not None:
        pixels = np.unpackbits(np.frombuffer(brush, np.uint8), count=height * width).reshape(height, width).astype(bool)
    return StoredMark(participant_id, study_id, item_id, kind, grid, json.loads(cells), pixels)
