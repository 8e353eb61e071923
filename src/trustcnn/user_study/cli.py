"""``trustcnn study serve``, ``export``, ``backup`` and ``restore``."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
from pathlib import Path

import click

from trustcnn.runtime.atomic import atomic_path
from trustcnn.runtime.errors import ReportedGroup, UserError
from trustcnn.user_study.backup import BackupSchedule, NotAnswers, default_folder, describe
from trustcnn.user_study.backup import backup as take_backup
from trustcnn.user_study.backup import restore as restore_backup
from trustcnn.user_study.serving import DatabaseInUse, DatabaseLock
from trustcnn.user_study.store import ResponseStore

FOLDER = Path("data/08_reporting/user_study")
ANNOTATION = Path("data/08_reporting/annotation")


@click.group(cls=ReportedGroup, help="Run the user study: serve its page, export its answers, back them up and restore them.")
def study() -> None:
    pass


@study.command(
    help="Serve the study package on HOST:PORT (127.0.0.1 by default; 0.0.0.0 to share it on a LAN). "
    "--task annotate serves the annotation task instead of the comparison questions, --task both serves "
    "it beside them at /annotate/ (docs/annotation.md)."
)
@click.option("--package", "package_dir", type=click.Path(path_type=Path), default=FOLDER / "package", show_default=True)
@click.option("--db", type=click.Path(path_type=Path), default=FOLDER / "responses.sqlite", show_default=True)
@click.option(
    "--task",
    type=click.Choice(["compare", "annotate", "both"]),
    default="compare",
    show_default=True,
    help="compare: which map is better; annotate: mark what the model should not use",
)
@click.option("--annotation-package", type=click.Path(path_type=Path), default=ANNOTATION / "package", show_default=True)
@click.option("--marks-db", type=click.Path(path_type=Path), default=ANNOTATION / "marks.sqlite", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--threads", type=int, default=8, show_default=True, help="concurrent requests (waitress)")
@click.option(
    "--backup-every",
    type=click.FloatRange(min=0, min_open=True),
    metavar="MINUTES",
    help="back the answers up every MINUTES while serving, and once more on stopping",
)
@click.option(
    "--backup-to",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"the folder of those backups  [default: {default_folder()}]",
)
def serve(
    package_dir: Path,
    db: Path,
    task: str,
    annotation_package: Path,
    marks_db: Path,
    host: str,
    port: int,
    threads: int,
    backup_every: float | None,
    backup_to: Path | None,
) -> None:
    import waitress

    from trustcnn.user_study.annotation.web import PREFIX, beside, create_annotation_app
    from trustcnn.user_study.web import create_app

    share = f"http://{'<this machine>' if host == '0.0.0.0' else host}:{port}"
    lock = _lock(db, f"trustcnn study serve on {host}:{port}", "wait for the restore to finish, then start the server again")
    try:
        app = create_app(package_dir, db) if task != "annotate" else None
        annotation = create_annotation_app(annotation_package, marks_db) if task != "compare" else None
    except (FileNotFoundError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if app is not None:
        click.echo(f"study {json.loads((package_dir / 'manifest.json').read_text())['study_id']}: answers go to {db}")
        click.echo(f"share {share}/  (Ctrl-C stops)")
    if annotation is not None:
        click.echo(f"annotation {json.loads((annotation_package / 'manifest.json').read_text())['study_id']}: marks go to {marks_db}")
        click.echo(f"share {share}{PREFIX if app is not None else ''}/  (Ctrl-C stops)")
    served = annotation if app is None else app if annotation is None else beside(app, annotation)
    schedule = _backups(db, backup_every, backup_to) if app is not None else None
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops the server as Ctrl-C does: the last backup is taken
    try:
        waitress.serve(served, host=host, port=port, threads=threads)
    except OSError as error:
        raise UserError(
            f"cannot listen on {host}:{port} ({error.strerror or error}): stop what uses it, or choose another --port"
        ) from error
    finally:
        if schedule is not None:
            schedule.stop()
        lock.release()


def _lock(db: Path, what: str, fix: str) -> DatabaseLock:
    """``db``'s shared lock (:mod:`trustcnn.user_study.serving`), or one line saying who holds it and ``fix``."""
    try:
        return DatabaseLock.acquire(db, what, exclusive=False)
    except DatabaseInUse as error:
        raise click.ClickException(f"{error}: {fix}") from None


def _backups(db: Path, every: float | None, folder: Path | None) -> BackupSchedule | None:
    if not every:
        return None
    schedule = BackupSchedule(db, folder or default_folder(), every, click.echo)
    click.echo(f"backups every {every:g} min and on stopping, to {folder or default_folder()}")
    schedule.start()
    return schedule


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # waitress stops on it


@study.command(help="Copy the answers, consistent while the server runs, to a timestamped file in a folder outside the project.")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=FOLDER / "responses.sqlite", show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"the folder to write it to  [default: {default_folder()}]",
)
def backup(db: Path, out: Path | None) -> None:
    try:
        click.echo(describe(take_backup(db, out or default_folder())))
    except (NotAnswers, OSError, sqlite3.Error) as error:
        raise click.ClickException(f"no backup taken: {error}") from None


@study.command(help="Make the backup BACKUP the answers database (the one it replaces is kept beside it).")
@click.argument("source", metavar="BACKUP", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=FOLDER / "responses.sqlite", show_default=True)
def restore(source: Path, db: Path) -> None:
    try:
        done = restore_backup(source, db)
    except (NotAnswers, OSError, sqlite3.Error) as error:
        raise click.ClickException(f"nothing restored: {error}") from None
    except DatabaseInUse as error:
        raise click.ClickException(
            f"nothing restored: {error}: stop that study server (Ctrl-C where it runs), then restore again"
        ) from None
    kept = f"; the database it replaced is kept as {done.replaced}" if done.replaced else ""
    click.echo(f"restored {done.answers} answers of {done.participants} participants from {source} to {db}{kept}")


@study.command(help="Write every answer, with the participant's background, to a CSV file.")
@click.option("--db", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=FOLDER / "responses.sqlite", show_default=True)
@click.option(
    "--key",
    type=click.Path(path_type=Path, dir_okay=False),
    default=FOLDER / "key.json",
    show_default=True,
    help="the unblinding key: adds the model each chosen map belongs to (skipped if absent)",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=FOLDER / "responses.csv", show_default=True)
def export(db: Path, key: Path, out: Path) -> None:
    rows = export_rows(ResponseStore(db), json.loads(key.read_text()) if key.is_file() else None)
    with atomic_path(out) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    click.echo(f"{len(rows)} answers → {out}")


EXPORT_COLUMNS = (
    "participant_id",
    "study_id",
    "cs_degree",
    "knows_saliency",
    "cv_experience",
    "item_id",
    "choice",
    "chosen_model",
    "answered_at",
)


def export_rows(store: ResponseStore, key: dict | None) -> list[dict]:
    """One row per answer, joined with its participant (and so its study); ``chosen_model``
    from its study's key: ``key`` for its study, the key the database kept for the others."""
    responses = store.responses()
    people = {p["participant_id"]: p for p in responses.participants}
    keys = {**responses.keys, **({key["study_id"]: key} if key else {})}
    rows = []
    for answer in responses.answers:
        person = people[answer["participant_id"]]
        owners = keys.get(person["study_id"], {}).get("items", {}).get(answer["item_id"], {}).get("options", {})
        rows.append(
            {
                **{column: person[column] for column in ("participant_id", "study_id", "cs_degree", "knows_saliency", "cv_experience")},
                "item_id": answer["item_id"],
                "choice": answer["choice"],
                "chosen_model": owners.get(answer["choice"], ""),
                "answered_at": answer["answered_at"],
            }
        )
    return rows
