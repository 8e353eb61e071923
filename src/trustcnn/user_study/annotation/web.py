"""The annotation pages (Flask): background questions, then one training image per page to mark.

Each page shows the model's map over the image and, beside it, the image under a grid of
cells: each cell is a checkbox (Tab to it, Space to tick, Enter or the button to save), so
marking needs neither JavaScript nor a mouse and works at phone width. Where JavaScript runs,
``annotation.js`` (a static file: the policy allows scripts from this server only) adds arrow
keys between cells, ticking by dragging, and a finer brush. Every submission is validated
against the package before one transaction stores it; anything else gets a 4xx and changes
nothing. The security headers are the study's, plus ``script-src 'self'``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, redirect, render_template, request, send_file, url_for
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response as BaseResponse

from trustcnn.user_study.annotation.grid import Grid
from trustcnn.user_study.annotation.store import MarkStore
from trustcnn.user_study.pages import STATIC, add_participant_pages
from trustcnn.user_study.questions import ANSWERS, MANIFEST, read_manifest
from trustcnn.user_study.store import Participant
from trustcnn.user_study.web import SECURITY_HEADERS

STUDY = Path(__file__).resolve().parents[1]
PREFIX = "/annotate"
"""Where the annotation task is served beside the comparison questions."""
CONTENT_SECURITY_POLICY = SECURITY_HEADERS["Content-Security-Policy"] + "; script-src 'self'"
HEADERS = {**SECURITY_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY}


def max_body_bytes(grid: Grid) -> int:
    """The largest honest submission: every cell ticked (``cell=NNN&``), a full brush
    (base64, with URL escapes), an item id; anything larger is refused (413)."""
    return grid.n_cells * (len("&cell=") + len(str(grid.n_cells))) + 3 * grid.brush_chars + 1024


def create_annotation_app(package_dir: str | Path, db_path: str | Path) -> Flask:
    """The app for the annotation package in ``package_dir``, marks in the SQLite file
    ``db_path`` (created if absent; the package is registered in it)."""
    package_dir = Path(package_dir).resolve()
    if not (package_dir / MANIFEST).is_file():
        raise FileNotFoundError(
            f"{package_dir / MANIFEST} does not exist: build the annotation package first (kedro run --pipelines=annotation)"
        )
    manifest = read_manifest(package_dir)
    if manifest.get("task") != "annotation":
        raise ValueError(f"{package_dir} is not an annotation package: build one with `kedro run --pipelines=annotation`")
    grid = Grid.from_manifest(manifest)
    items = {item["item_id"]: item for item in manifest["items"]}
    order = [item["item_id"] for item in manifest["items"]]
    files = {item[name] for item in manifest["items"] for name in ("input", "map")}
    store = MarkStore(db_path)
    store.register_study(manifest["study_id"], len(order))
    app = Flask(__name__, template_folder=str(STUDY / "templates"))
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes(grid)
    app.config["MAX_FORM_PARTS"] = grid.n_cells + 16

    def show_item(participant: Participant, number: int) -> str:
        marked = {m.item_id: m for m in store.marks(manifest["study_id"], participant)}
        item = items[order[number - 1]]
        current = marked.get(item["item_id"])
        return render_template(
            "annotation/item.html",
            item=item,
            number=number,
            total=len(order),
            done=len(marked),
            token=participant.token,
            question=manifest["question"].format(true_class=item["true_class"]),
            hint=manifest["hint"].format(true_class=item["true_class"]),
            grid=grid,
            ticked=set(current.cells) if current else set(),
            saved=current is not None,
            brush="" if current is None or current.brush is None else grid.encode_brush(current.brush),
            resume=url_for("next_item", token=participant.token, _external=True),
        )

    participant_or_abort = add_participant_pages(
        app,
        study_id=manifest["study_id"],
        store=store,
        order=order,
        done=lambda participant: {m.item_id for m in store.marks(manifest["study_id"], participant)},
        show_item=show_item,
        finished=lambda participant: render_template("annotation/done.html", total=len(order), token=participant.token),
        package_dir=package_dir,
        files=files,
        headers=HEADERS,
        health={"task": "annotation", "items": len(order)},
    )

    @app.get("/")
    def welcome() -> str:
        questions = manifest["background_questions"]
        return render_template(
            "annotation/start.html",
            questions=questions,
            answers=ANSWERS,
            first=next(iter(questions)),
            n_items=len(order),
            kind=manifest["kind"],
        )

    @app.post("/p/<token>/mark")
    def mark(token: str) -> BaseResponse:
        participant = participant_or_abort(token)
        item = items.get(request.form.get("item_id", ""))
        if item is None:
            abort(400, "The marks name no image of this task.")
        try:
            cells = grid.parse_cells(request.form.getlist("cell"))
            brush = grid.decode_brush(request.form.get("brush", ""))
        except ValueError as error:
            abort(400, f"These marks can't be read: {error}.")
        store.mark(participant, item["item_id"], manifest["kind"], grid, cells, brush)
        return redirect(url_for("next_item", token=token), code=303)

    @app.get("/annotation.css")
    def annotation_stylesheet() -> Response:
        return send_file(STATIC / "annotation.css", mimetype="text/css", max_age=0)

    @app.get("/annotation.js")
    def script() -> Response:
        return send_file(STATIC / "annotation.js", mimetype="text/javascript", max_age=0)

    return app


def beside(compare: Flask, annotation: Flask) -> DispatcherMiddleware:
    """One server for both tasks: the comparison questions at ``/``, the annotation task at
    :data:`PREFIX` (each app keeps its own database, headers and participants)."""
    return DispatcherMiddleware(compare, {PREFIX: annotation})
