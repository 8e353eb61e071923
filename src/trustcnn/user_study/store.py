"""The study's answers, durable: SQLite in WAL mode, one committed transaction per answer.

Four tables: ``studies`` (which package the answers belong to), ``study_keys`` (each
study's unblinding key, so answers to a study that was since re-sampled still say which
model each chosen map belongs to; the server never serves it), ``participants`` (an
unguessable resume token and the three background answers) and ``answers`` (one row per
participant and item: a second answer to the same item replaces the first, for that
participant only). Every write is validated by the caller against the package before it
reaches the store; the store itself enforces the keys.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from trustcnn.runtime.errors import UserError

SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    study_id TEXT PRIMARY KEY,
    n_items INTEGER NOT NULL,
    registered_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
    participant_id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,
    study_id TEXT NOT NULL REFERENCES studies(study_id),
    cs_degree TEXT NOT NULL,
    knows_saliency TEXT NOT NULL,
    cv_experience TEXT NOT NULL,
    started_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS study_keys (
    study_id TEXT PRIMARY KEY REFERENCES studies(study_id),
    key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    participant_id INTEGER NOT NULL REFERENCES participants(participant_id),
    item_id TEXT NOT NULL,
    choice TEXT NOT NULL,
    answered_at REAL NOT NULL,
    PRIMARY KEY (participant_id, item_id)
);
"""
BACKGROUND = ("cs_degree", "knows_saliency", "cv_experience")


class DatabaseUnusable(UserError):
    """The answers database is not an SQLite file, is damaged, locked or can't be opened."""

    @classmethod
    def of(cls, path: Path, error: sqlite3.DatabaseError) -> DatabaseUnusable | None:
        """The user's side of ``error``, naming the file and the fix; ``None`` for the others
        (e.g. a broken constraint: a bug)."""
        text = str(error)
        if "locked" in text or "busy" in text:
            return cls(
                f"{path} is locked by another process (a second server, or a program holding a write "
                "transaction on it): stop that process and try again"
            )
        if "unable to open" in text:
            return cls(f"{path} cannot be opened ({text}): its folder must exist and be writable")
        if type(error) is sqlite3.DatabaseError:  # "file is not a database", "database disk image is malformed"
            return cls(
                f"{path} is not a usable SQLite database ({text}): put back a copy of it, or move it aside to start a new, empty one"
            )
        return None


@dataclass(frozen=True)
class Participant:
    participant_id: int
    token: str
    study_id: str


@dataclass(frozen=True)
class Responses:
    """Everything the store holds, as rows (dicts), for the analysis and the CSV export."""

    studies: list[dict]
    participants: list[dict]
    answers: list[dict]
    keys: dict[str, dict] = field(default_factory=dict)  # study_id → its unblinding key, where registered


class ResponseStore:
    """One SQLite file; each call opens its own connection, so the store is safe to share
    between a web server's threads (SQLite serialises the writers; WAL lets readers go on)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                connection.execute("PRAGMA foreign_keys = ON")
                yield connection
            finally:
                connection.close()
        except sqlite3.DatabaseError as error:
            if (unusable := DatabaseUnusable.of(self.path, error)) is None:
                raise
            raise unusable from error

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def initialise(self) -> None:
        """Create the file and tables if absent (never deletes anything)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(SCHEMA)

    def register_study(self, study_id: str, n_items: int, key: Mapping | None = None) -> None:
        """Add study ``study_id`` (and its unblinding ``key``) if new; a study registered
        before — and every answer to it — stays as it is."""
        self.initialise()
        with self._transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO studies (study_id, n_items, registered_at) VALUES (?, ?, ?)",
                (study_id, n_items, time.time()),
            )
            if key is not None:
                connection.execute(
                    "INSERT OR IGNORE INTO study_keys (study_id, key) VALUES (?, ?)", (study_id, json.dumps(key, sort_keys=True))
                )

    def new_participant(self, study_id: str, background: Mapping[str, str]) -> Participant:
        token = secrets.token_urlsafe(24)
        with self._transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO participants (token, study_id, cs_degree, knows_saliency, cv_experience, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token, study_id, *(background[q] for q in BACKGROUND), time.time()),
            )
        participant_id = cursor.lastrowid
        assert participant_id is not None  # set by the INSERT
        return Participant(participant_id, token, study_id)

    def participant(self, token: str) -> Participant | None:
        with self._connect() as connection:
            row = connection.execute("SELECT participant_id, token, study_id FROM participants WHERE token = ?", (token,)).fetchone()
        return None if row is None else Participant(*row)

    def answer(self, participant: Participant, item_id: str, choice: str) -> None:
        """Store (or replace) ``participant``'s answer to ``item_id`` in one transaction."""
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO answers (participant_id, item_id, choice, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (participant_id, item_id) DO UPDATE SET choice = excluded.choice,"
                " answered_at = excluded.answered_at",
                (participant.participant_id, item_id, choice, time.time()),
            )

    def answered(self, participant: Participant) -> dict[str, str]:
        """``{item_id: choice}`` of ``participant``'s answers so far."""
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT item_id, choice FROM answers WHERE participant_id = ?", (participant.participant_id,)
            ).fetchall()
        return dict(rows)

    def responses(self) -> Responses:
        if not self.path.is_file():
            return Responses([], [], [])
        columns = {
            "studies": "study_id, n_items, registered_at",
            "participants": "participant_id, study_id, cs_degree, knows_saliency, cv_experience, started_at",
            "answers": "participant_id, item_id, choice, answered_at",
        }  # the resume tokens stay in the store
        with self._connect() as connection:
            connection.row_factory = sqlite3.Row
            present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            tables = {
                name: [dict(row) for row in connection.execute(f"SELECT {fields} FROM {name} ORDER BY rowid")] if name in present else []
                for name, fields in columns.items()
            }
            keys = (
                {row["study_id"]: json.loads(row["key"]) for row in connection.execute("SELECT study_id, key FROM study_keys")}
                if "study_keys" in present
                else {}
            )
        return Responses(**tables, keys=keys)
