"""The study web app (Flask): background questions, one page per image, answers stored at once.

Serves nothing but its own pages, its stylesheet and the files the package's manifest lists
(no directory listing, no path outside the package); every request is validated before
anything is stored — an unknown participant, item or choice, a malformed or oversized body
gets a 4xx and changes nothing. Works without JavaScript, by keyboard alone, at phone width.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from trustcnn.user_study.pages import add_participant_pages
from trustcnn.user_study.questions import ANSWERS, item_files, read_manifest
from trustcnn.user_study.store import Participant, ResponseStore

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

    participant_or_abort = add_participant_pages(
        app,
        study_id=manifest["study_id"],
        store=store,
        order=order,
        done=store.answered,
        show_item=show_item,
        finished=lambda participant: render_template("done.html", total=len(order), items=order, token=participant.token),
        package_dir=package_dir,
        files=files,
        headers=SECURITY_HEADERS,
        health={"items": len(order)},
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

    return app
