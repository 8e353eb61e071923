"""``trustcnn study serve`` and ``trustcnn study export``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click

from trustcnn.atomic import atomic_path
from trustcnn.study.store import ResponseStore

FOLDER = Path("data/08_reporting/user_study")
ANNOTATION = Path("data/08_reporting/annotation")


@click.group(help="Run the user study: serve its page, export its answers.")
def study() -> None:
    pass


@study.command(help="Serve the study package on HOST:PORT (127.0.0.1 by default; 0.0.0.0 to share it on a LAN). "
               "--task annotate serves the annotation task instead of the comparison questions, --task both serves "
               "it beside them at /annotate/ (docs/annotation.md).")
@click.option("--package", "package_dir", type=click.Path(path_type=Path), default=FOLDER / "package", show_default=True)
@click.option("--db", type=click.Path(path_type=Path), default=FOLDER / "responses.sqlite", show_default=True)
@click.option("--task", type=click.Choice(["compare", "annotate", "both"]), default="compare", show_default=True,
              help="compare: which map is better; annotate: mark what the model should not use")
@click.option("--annotation-package", type=click.Path(path_type=Path), default=ANNOTATION / "package", show_default=True)
@click.option("--marks-db", type=click.Path(path_type=Path), default=ANNOTATION / "marks.sqlite", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--threads", type=int, default=8, show_default=True, help="concurrent requests (waitress)")
def serve(package_dir: Path, db: Path, task: str, annotation_package: Path, marks_db: Path, host: str, port: int, threads: int) -> None:
    import waitress

    from trustcnn.study.annotation.web import PREFIX, beside, create_annotation_app
    from trustcnn.study.web import create_app

    share = f"http://{'<this machine>' if host == '0.0.0.0' else host}:{port}"
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
    waitress.serve(served, host=host, port=port, threads=threads)


@study.command(help="Write every answer, with the participant's background, to a CSV file.")
@click.option("--db", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=FOLDER / "responses.sqlite", show_default=True)
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False), default=FOLDER / "key.json", show_default=True,
              help="the unblinding key: adds the model each chosen map belongs to (skipped if absent)")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=FOLDER / "responses.csv", show_default=True)
def export(db: Path, key: Path, out: Path) -> None:
    rows = export_rows(ResponseStore(db), json.loads(key.read_text()) if key.is_file() else None)
    with atomic_path(out) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    click.echo(f"{len(rows)} answers → {out}")


EXPORT_COLUMNS = (
    "participant_id", "study_id", "cs_degree", "knows_saliency", "cv_experience", "item_id", "choice", "chosen_model",
    "answered_at",
)


def export_rows(store: ResponseStore, key: dict | None) -> list[dict]:
    """One row per answer, joined with its participant; ``chosen_model`` from the key."""
    responses = store.responses()
    people = {p["participant_id"]: p for p in responses.participants}
    rows = []
    for answer in responses.answers:
        person = people[answer["participant_id"]]
        owners = key["items"].get(answer["item_id"], {}).get("options", {}) if key and key["study_id"] == person["study_id"] else {}
        rows.append({
            **{column: person[column] for column in ("participant_id", "study_id", "cs_degree", "knows_saliency", "cv_experience")},
            "item_id": answer["item_id"], "choice": answer["choice"], "chosen_model": owners.get(answer["choice"], ""),
            "answered_at": answer["answered_at"],
        })
    return rows
