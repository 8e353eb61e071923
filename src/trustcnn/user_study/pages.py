"""What the comparison questions' app and the annotation task's app share (Flask): a participant
from the link's token, the background form that starts one, the next item not yet done, numbered
item pages, the package's own files, the error page and the security headers.

Each app keeps what differs — its store, its item page and how an item is answered — and hands
it to :func:`add_participant_pages`; a fix to the flow (a token check, a header) then reaches
both tasks at once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, Response, abort, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from trustcnn.user_study.questions import ANSWERS
from trustcnn.user_study.store import BACKGROUND, Participant

STATIC = Path(__file__).with_name("static")


class Participants(Protocol):
    """The part of a store (answers or marks) the participant flow uses."""

    def participant(self, token: str) -> Participant | None: ...

    def new_participant(self, study_id: str, background: Mapping[str, str]) -> Participant: ...


def add_participant_pages(
    app: Flask,
    *,
    study_id: str,
    store: Participants,
    order: Sequence[str],
    done: Callable[[Participant], Collection[str]],
    show_item: Callable[[Participant, int], str],
    finished: Callable[[Participant], str],
    package_dir: Path,
    files: Collection[str],
    headers: Mapping[str, str],
    health: Mapping[str, Any],
) -> Callable[[str], Participant]:
    """Registers on ``app``: ``POST /start`` (the background answers → a new participant),
    ``/p/<token>`` (the first of ``order`` not in ``done(participant)``, or ``finished``),
    ``/p/<token>/item/<n>`` (``show_item``), ``/files/<name>`` (only ``files``, from
    ``package_dir``), ``/study.css``, ``/healthz`` (``health`` and the study id), the error
    page and ``headers`` on every response. Returns the token check the app's own routes use."""

    def participant_or_abort(token: str) -> Participant:
        participant = store.participant(token)
        if participant is None:
            abort(404, "There is no participant with this link. Start from the first page.")
        if participant.study_id != study_id:
            abort(410, "This link belongs to an earlier version of this task, which is no longer served.")
        return participant

    @app.post("/start")
    def start() -> BaseResponse:
        background = {name: request.form.get(name, "") for name in BACKGROUND}
        if any(answer not in ANSWERS for answer in background.values()):
            abort(400, f"Answer every background question with one of {', '.join(ANSWERS)}.")
        participant = store.new_participant(study_id, background)
        return redirect(url_for("next_item", token=participant.token), code=303)

    @app.get("/p/<token>")
    def next_item(token: str) -> str:
        participant = participant_or_abort(token)
        complete = done(participant)
        missing = [number for number, item_id in enumerate(order, 1) if item_id not in complete]
        return show_item(participant, missing[0]) if missing else finished(participant)

    @app.get("/p/<token>/item/<int:number>")
    def item_page(token: str, number: int) -> str:
        participant = participant_or_abort(token)
        if not 1 <= number <= len(order):
            abort(404, f"There are images 1 to {len(order)}.")
        return show_item(participant, number)

    @app.get("/files/<path:name>")
    def package_file(name: str) -> Response:
        if name not in files:  # only what the manifest lists: no listing, no traversal
            abort(404, "No such file.")
        return send_file(package_dir / name, mimetype="image/png", max_age=0)

    @app.get("/study.css")
    def stylesheet() -> Response:
        return send_file(STATIC / "study.css", mimetype="text/css", max_age=0)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok", "study_id": study_id, **health}

    @app.errorhandler(HTTPException)
    def error(exc: HTTPException) -> tuple[str, int]:
        return render_template("error.html", status=f"{exc.code} {exc.name}", message=exc.description), exc.code or 500

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.update(headers)
        return response

    return participant_or_abort
