"""The user study end to end: the real server (waitress) on loopback, Debian's Chromium driven
by Playwright, a concurrent load test, a backup under load and its restore, the CSV export, the
analysis through Kedro and a re-sampled study."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from .conftest import PROJECT, SMOKE_DATA, copy_run, kedro
from .servers import free_port
from .system import CHROMIUM_ARGS, chromium

TRUSTCNN = Path(sys.executable).with_name("trustcnn")
ARTIFACTS = PROJECT / "test-artifacts"
STUDY = SMOKE_DATA / "08_reporting/user_study"  # the smoke env's data root
PARTICIPANTS = 20
SCHEDULED = "scheduled-backups"  # where the server's --backup-every writes, under the copy
BACKGROUND = {"cs_degree": "no", "knows_saliency": "yes", "cv_experience": "no"}


def _request(url: str, data: dict | bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) without following redirects."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=body, headers=headers or {}), timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def study(smoke_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_run(smoke_run, tmp_path_factory.mktemp("study"))


@pytest.fixture(scope="module")
def server(study: Path):
    port = free_port()
    log = open(study / "serve.log", "w")  # noqa: SIM115 - the server writes it until teardown
    where = ["--package", str(STUDY / "package"), "--db", str(STUDY / "responses.sqlite")]  # the smoke env's study
    backups = ["--backup-every", "0.1", "--backup-to", str(study / SCHEDULED)]  # every 6 s
    process = subprocess.Popen([str(TRUSTCNN), "study", "serve", *where, "--port", str(port), *backups], cwd=study, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if _request(f"{url}/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"the study server did not start: {(study / 'serve.log').read_text()[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=60)
    log.close()


def _manifest(study: Path) -> dict:
    return json.loads((study / STUDY / "package" / "manifest.json").read_text())


def _answers(study: Path) -> list[tuple]:
    with sqlite3.connect(study / STUDY / "responses.sqlite") as db:
        return db.execute("SELECT participant_id, item_id, choice FROM answers ORDER BY participant_id, item_id").fetchall()


def test_a_participant_answers_everything_in_chromium_leaving_and_resuming_once(server: str, study: Path) -> None:
    browser_path = chromium()
    from playwright.sync_api import sync_playwright

    items = _manifest(study)["items"]
    block = _manifest(study)["criticism"]["items"]  # smoke: user_study.criticism, after the map items
    total = len(items) + len(block)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_path), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone's width
        page.goto(f"{server}/")
        page.wait_for_function("document.activeElement.name === 'cs_degree'")  # the first answer has the focus
        for _ in range(3):  # keyboard alone: pick the focused answer, then on to the next question
            page.keyboard.press("Space")
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/p/*")
        resume = page.url
        assert "Image 1 of" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling on a phone"
        page.screenshot(path=str(ARTIFACTS / "study_question.png"), full_page=True)
        page.wait_for_function("document.activeElement.name === 'choice'")
        page.keyboard.press("Space")  # the first map, chosen by keyboard too
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"text=Image 2 of {total}")
        half = len(items) // 2
        for number in range(2, half + 1):
            page.get_by_label("They look the same").check()
            page.get_by_role("button").click()
            page.wait_for_selector(f"text={number} answered")
        page.close()  # leaves …
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(resume)  # … and comes back with the link
        assert f"Image {half + 1} of {total}" in page.content()
        for _ in range(half + 1, len(items) + 1):
            page.get_by_label("Can't distinguish").check()
            page.get_by_role("button").click()
        page.wait_for_selector("text=What does the model use to recognise")  # the criticism block
        assert page.evaluate("[...document.images].every(image => image.complete && image.naturalWidth > 0)")
        page.screenshot(path=str(ARTIFACTS / "study_criticism.png"), full_page=True)
        for number in range(len(items) + 1, total + 1):
            page.get_by_label("A coloured patch").check()
            page.get_by_role("button").click()
            if number < total:
                page.wait_for_selector(f"text={number} answered")
        page.wait_for_selector("text=Thank you")
        browser.close()

    answers = _answers(study)
    assert len(answers) == total and len({a[0] for a in answers}) == 1
    choices = {item: choice for _, item, choice in answers}
    first = items[0]
    assert choices[first["item_id"]] == first["options"][0]["option_id"]
    assert sorted(choices.values()).count("same") == half - 1 and list(choices.values()).count("cant_distinguish") == len(items) - half

    export = study / "answers.csv"
    where = ["--db", str(STUDY / "responses.sqlite"), "--key", str(STUDY / "key.json")]
    done = subprocess.run(
        [str(TRUSTCNN), "study", "export", *where, "--out", str(export)], cwd=study, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(export.open()))
    assert len(rows) == total and {r["cs_degree"] for r in rows} == {"yes"}
    assert next(r for r in rows if r["item_id"] == first["item_id"])["chosen_model"] != ""
    assert "token" not in rows[0]

    result = kedro(study, "run", "--pipelines=user_study", "--env=smoke")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((study / STUDY / "report.json").read_text())
    attacked = {i for i, item in json.loads((study / STUDY / "key.json").read_text())["items"].items() if item["adversarial"]}
    clean = [item["item_id"] for item in items if item["item_id"] not in attacked]
    assert report["answers"] == len(clean) and report["adversarial"]["answers"] == len(attacked) == 2  # smoke: 2 attacked
    assert report["participants"] == 1
    same = [i for i in clean if choices[i] == "same"]
    assert report["preferred"]["same"]["value"] == pytest.approx(len(same) / len(clean))
    assert "Table 3 as people judged it" in (study / STUDY / "report.md").read_text()
    criticism = report["criticism"]  # every block page answered "a coloured patch": the decoy, for every model
    assert criticism["answers"] == len(block) and {row["names_decoy"]["value"] for row in criticism["models"].values()} == {1.0}


def _participant(server: str, items: list[dict], k: int, acknowledged: list | None = None) -> list[float]:
    """One participant answers every item (the ``k``-th map, cyclically); returns the answers'
    latencies and appends ``(time acknowledged, (token, item_id, choice))`` to ``acknowledged``."""
    status, headers, _ = _request(f"{server}/start", BACKGROUND)
    assert status == 303
    token = headers["Location"].rsplit("/", 1)[-1]
    latencies = []
    for item in items:
        choice = item["options"][k % len(item["options"])]["option_id"]
        start = time.perf_counter()
        status, _, _ = _request(f"{server}/p/{token}/answer", {"item_id": item["item_id"], "choice": choice})
        latencies.append(time.perf_counter() - start)
        assert status == 303
        if acknowledged is not None:
            acknowledged.append((time.time(), (token, item["item_id"], choice)))
    return latencies


def test_twenty_participants_at_once_lose_nothing_and_bad_requests_are_refused(server: str, study: Path) -> None:
    items = _manifest(study)["items"]
    before = len(_answers(study))

    with ThreadPoolExecutor(PARTICIPANTS) as pool:
        latencies = [t for result in pool.map(partial(_participant, server, items), range(PARTICIPANTS)) for t in result]
    answers = _answers(study)
    assert len(answers) - before == PARTICIPANTS * len(items), "every answer stored exactly once"
    assert len({(p, i) for p, i, _ in answers}) == len(answers)
    p95 = float(np.percentile(latencies, 95))
    (ARTIFACTS / "study_load.json").write_text(
        json.dumps({"participants": PARTICIPANTS, "answers": len(latencies), "p50_s": float(np.median(latencies)), "p95_s": p95}, indent=1)
    )

    _status, headers, _ = _request(f"{server}/start", BACKGROUND)
    token = headers["Location"].rsplit("/", 1)[-1]
    item = items[0]["item_id"]
    refused = {
        "path traversal": _request(f"{server}/files/../key.json")[0],
        "encoded traversal": _request(f"{server}/files/%2e%2e/%2e%2e/key.json")[0],
        "the manifest": _request(f"{server}/files/manifest.json")[0],
        "a directory": _request(f"{server}/files/images/")[0],
        "unknown participant": _request(f"{server}/p/{'x' * 32}/answer", {"item_id": item, "choice": "same"})[0],
        "unknown item": _request(f"{server}/p/{token}/answer", {"item_id": "nope", "choice": "same"})[0],
        "unknown choice": _request(f"{server}/p/{token}/answer", {"item_id": item, "choice": "baseline"})[0],
        "malformed body": _request(f"{server}/p/{token}/answer", b"\xff\xfe{not a form", {"Content-Type": "application/json"})[0],
        "oversized body": _request(f"{server}/p/{token}/answer", {"item_id": item, "choice": "x" * 100_000})[0],
    }
    assert all(400 <= status < 500 for status in refused.values()), refused
    assert len(_answers(study)) - before == PARTICIPANTS * len(items), "nothing stored by a refused request"
    assert _request(f"{server}/healthz")[0] == 200, "the server keeps serving"


def _acknowledged_answers(db: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(db) as connection:
        return set(
            connection.execute("SELECT p.token, a.item_id, a.choice FROM answers a JOIN participants p USING (participant_id)").fetchall()
        )


def test_a_backup_under_load_restores_every_answer_acknowledged_before_it_finished(server: str, study: Path, tmp_path: Path) -> None:
    items, db = _manifest(study)["items"], study / STUDY / "responses.sqlite"
    acknowledged: list[tuple[float, tuple[str, str, str]]] = []
    backed_up = threading.Event()

    def participants(k: int) -> None:  # one after another on this thread, until the backup is taken
        while not backed_up.is_set():
            _participant(server, items, k, acknowledged)

    command = [str(TRUSTCNN), "study", "backup", "--db", str(STUDY / "responses.sqlite"), "--out", str(tmp_path / "backups")]
    with ThreadPoolExecutor(PARTICIPANTS) as pool:
        load = [pool.submit(participants, k) for k in range(PARTICIPANTS)]
        deadline = time.monotonic() + 600
        while len(acknowledged) < PARTICIPANTS and time.monotonic() < deadline and not any(f.done() for f in load):
            time.sleep(0.1)  # the load is on: the backup starts mid-way
        try:
            done = subprocess.run(command, cwd=study, capture_output=True, text=True, timeout=600)
        finally:
            backed_up.set()
        for future in load:
            future.result()
    assert done.returncode == 0, done.stderr
    backup = Path(done.stdout.strip().rsplit(" → ", 1)[1])
    finished = datetime.strptime(done.stdout.split(", as of ")[1].split(" → ")[0], "%Y-%m-%d %H:%M:%S.%f").timestamp()
    before, after = [a for t, a in acknowledged if t < finished], [a for t, a in acknowledged if t >= finished]
    assert before and after, "answers were acknowledged on both sides of the backup"
    with sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    refused = subprocess.run(
        [str(TRUSTCNN), "study", "restore", str(backup), "--db", str(STUDY / "responses.sqlite")],
        cwd=study,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "is in use by pid " in refused.stderr and "trustcnn study serve on 127.0.0.1:" in refused.stderr
    assert {a for _, a in acknowledged} <= _acknowledged_answers(db), "the served database lost nothing"

    fresh = tmp_path / "restored" / "responses.sqlite"
    restored = subprocess.run(
        [str(TRUSTCNN), "study", "restore", str(backup), "--db", str(fresh)], capture_output=True, text=True, timeout=600
    )
    assert restored.returncode == 0, restored.stderr
    assert set(before) <= _acknowledged_answers(fresh), "every answer acknowledged before the backup finished"
    assert _acknowledged_answers(fresh) <= {a for _, a in acknowledged} | _acknowledged_answers(db)

    scheduled = sorted((study / SCHEDULED).glob("*.sqlite"))  # the server's own --backup-every 0.1
    assert scheduled and "backup: " in (study / "serve.log").read_text()
    with sqlite3.connect(f"{scheduled[-1].as_uri()}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_re_sampling_the_study_keeps_the_earlier_answers_and_says_whose_they_are(server: str, study: Path) -> None:
    # Runs last: it replaces the package the server was started with.
    old, map_items = _manifest(study)["study_id"], {item["item_id"] for item in _manifest(study)["items"]}
    with sqlite3.connect(study / STUDY / "responses.sqlite") as db:
        answers_before = db.execute("SELECT * FROM answers ORDER BY rowid").fetchall()
    result = kedro(study, "run", "--pipelines=user_study", "--env=smoke", "--params=user_study.seed=7")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    new = _manifest(study)["study_id"]
    assert new != old
    with sqlite3.connect(study / STUDY / "responses.sqlite") as db:
        assert db.execute("SELECT * FROM answers ORDER BY rowid").fetchall() == answers_before, "not one answer changed"
        assert [r[0] for r in db.execute("SELECT study_id FROM studies ORDER BY rowid")] == [old, new]
    report = json.loads((study / STUDY / "report.json").read_text())
    assert report["study_id"] == new and report["answers"] == 0
    assert report["other_studies"] == {old: len(answers_before)}
    assert f"{len(answers_before)} answers to study {old}" in (study / STUDY / "report.md").read_text()

    export = study / "all_answers.csv"
    where = ["--db", str(STUDY / "responses.sqlite"), "--key", str(STUDY / "key.json"), "--out", str(export)]
    done = subprocess.run([str(TRUSTCNN), "study", "export", *where], cwd=study, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(export.open()))
    assert len(rows) == len(answers_before) and {r["study_id"] for r in rows} == {old}
    extra = {"same", "cant_distinguish"}
    chosen_maps = [r for r in rows if r["item_id"] in map_items and r["choice"] not in extra]  # not the criticism block's
    assert chosen_maps and all(r["chosen_model"] for r in chosen_maps), "the earlier study's key still unblinds its answers"
