"""The study web app (Flask): background questions, one page per image, answers stored at once.

Serves nothing but its own pages, its stylesheet and the files the package's manifest lists
(no directory listing, no path outside the package); every request is validated before
anything is stored — an unknown participant, item or choice, a malformed or oversized body
gets a 4xx and changes nothing. Works without JavaScript, by keyboard alone, at phone width.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from trustcnn.user_study.questions import ANSWERS, item_files, read_manifest
from trustcnn.user_study.store import BACKGROUND, Participant, ResponseStore

MAX_BODY_BYTES = 4096
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # resume links carry the participant's token
    "Cache-Control": "no-store",
}


def create_app(package_dir: str | Path, db_path: str | Path) -> Flask:
    """The app for the package in ``package_dir``, answers in the SQLite file ``db_path``
    (created if absent; the package's study is registered in it)."""
    package_dir = Path(package_dir).resolve()
    manifest = read_manifest(package_dir)
    if manifest.get("task", "compare") != "compare":
        raise ValueError(f"{package_dir} holds the {manifest['task']} task, not the comparison questions (trustcnn study serve --task)")
    block = manifest.get("criticism", {"items": []})  # the optional criticism block, after the map items
    every = [*manifest["items"], *block["items"]]
    items = {item["item_id"]: item for item in every}
    order = [item["item_id"] for item in every]
    files = set().union(*(item_files(item) for item in every))
    store = ResponseStore(db_path)
    store.register_study(manifest["study_id"], len(order))
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    def participant_or_abort(token: str) -> Participant:
        participant = store.participant(token)
        if participant is None:
            abort(404, "There is no participant with this link. Start the study from its first page.")
        if participant.study_id != manifest["study_id"]:
            abort(410, "This link belongs to an earlier version of the study, which is no longer served.")
        return participant

    def show_item(participant: Participant, number: int) -> str:
        answered = store.answered(participant)
        item = items[order[number - 1]]
        if item.get("kind") == "criticism":
            return render_template(
                "criticism.html",
                item=item,
                number=number,
                total=len(order),
                answered=len(answered),
                token=participant.token,
                current=answered.get(item["item_id"]),
                question=block["question"].format(class_name=item["class_name"]),
                choices=block["choices"],
                resume=url_for("next_item", token=participant.token, _external=True),
            )
        return render_template(
            "item.html",
            item=item,
            number=number,
            total=len(order),
            answered=len(answered),
            token=participant.token,
            current=answered.get(item["item_id"]),
            question=manifest["question"].format(true_class=item["true_class"]),
            extra=manifest["extra_choices"],
            resume=url_for("next_item", token=participant.token, _external=True),
        )

    @app.get("/")
    def welcome() -> str:
        questions = manifest["background_questions"]
        return render_template(
            "start.html",
            questions=questions,
            answers=ANSWERS,
            first=next(iter(questions)),
            n_items=len(order),
            n_criticism=len(block["items"]),
        )

    @app.post("/start")
    def start() -> BaseResponse:
        background = {name: request.form.get(name, "") for name in BACKGROUND}
        if any(answer not in ANSWERS for answer in background.values()):
            abort(400, f"Answer every background question with one of {', '.join(ANSWERS)}.")
        participant = store.new_participant(manifest["study_id"], background)
        return redirect(url_for("next_item", token=participant.token), code=303)

    @app.get("/p/<token>")
    def next_item(token: str) -> str:
        participant = participant_or_abort(token)
        answered = store.answered(participant)
        missing = [number for number, item_id in enumerate(order, 1) if item_id not in answered]
        if not missing:
            return render_template("done.html", total=len(order), items=order, token=token)
        return show_item(participant, missing[0])

    @app.get("/p/<token>/item/<int:number>")
    def item_page(token: str, number: int) -> str:
        participant = participant_or_abort(token)
        if not 1 <= number <= len(order):
            abort(404, f"There are images 1 to {len(order)}.")
        return show_item(participant, number)

    @app.post("/p/<token>/answer")
    def answer(token: str) -> BaseResponse:
        participant = participant_or_abort(token)
        item = items.get(request.form.get("item_id", ""))
        if item is None:
            abort(400, "The answer names no image of this study.")
        choice = request.form.get("choice", "")
        if item.get("kind") == "criticism" and choice not in block["choices"]:
            abort(400, "Choose one of the answers.")
        if item.get("kind") != "criticism" and choice not in {o["option_id"] for o in item["options"]} | set(manifest["extra_choices"]):
            abort(400, "Choose one of the maps, or one of the other answers.")
        store.answer(participant, item["item_id"], choice)
        return redirect(url_for("next_item", token=token), code=303)

    @app.get("/files/<path:name>")
    def package_file(name: str) -> Response:
        if name not in files:  # only what the manifest lists: no listing, no traversal
            abort(404, "No such file.")
        return send_file(package_dir / name, mimetype="image/png", max_age=0)

    @app.get("/study.css")
    def stylesheet() -> Response:
        return send_file(Path(__file__).with_name("static") / "study.css", mimetype="text/css", max_age=0)

    @app.get("/healthz")
    def health() -> dict:
        return {"status": "ok", "study_id": manifest["study_id"], "items": len(order)}

    @app.errorhandler(HTTPException)
    def error(exc: HTTPException) -> tuple[str, int]:
        return render_template("error.html", status=f"{exc.code} {exc.name}", message=exc.description), exc.code or 500

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    return app
