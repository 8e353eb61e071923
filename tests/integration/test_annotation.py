"""The annotation task end to end: the smoke run's package served by the real server (waitress,
beside the comparison questions), Debian's Chromium marking cells by keyboard and by mouse with
JavaScript off, the brush and arrow keys with it on, and 20 people marking at once; every time
``read_marks`` must return exactly what was marked, cell for cell."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest

from trustcnn.user_study.annotation.grid import Grid
from trustcnn.user_study.annotation.marks import read_marks

from .conftest import PROJECT, SMOKE_DATA, copy_run
from .servers import free_port
from .system import CHROMIUM_ARGS, chromium
from .test_user_study import _request

TRUSTCNN = Path(sys.executable).with_name("trustcnn")
ARTIFACTS = PROJECT / "test-artifacts"
ANNOTATION = SMOKE_DATA / "08_reporting/annotation"
STUDY = SMOKE_DATA / "08_reporting/user_study"
PARTICIPANTS = 20
BACKGROUND = {"cs_degree": "no", "knows_saliency": "yes", "cv_experience": "no"}


@pytest.fixture(scope="module")
def annotating(smoke_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_run(smoke_run, tmp_path_factory.mktemp("annotation"))


@pytest.fixture(scope="module")
def server(annotating: Path):
    """``trustcnn study serve --task both``: the comparison questions at /, the annotation task at /annotate/."""
    port = free_port()
    log = open(annotating / "serve.log", "w")  # noqa: SIM115 - the server writes it until teardown
    where = [
        "--task",
        "both",
        "--package",
        str(STUDY / "package"),
        "--db",
        str(STUDY / "responses.sqlite"),
        "--annotation-package",
        str(ANNOTATION / "package"),
        "--marks-db",
        str(ANNOTATION / "marks.sqlite"),
    ]
    process = subprocess.Popen([str(TRUSTCNN), "study", "serve", *where, "--port", str(port)], cwd=annotating, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if _request(f"{url}/annotate/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"the server did not start: {(annotating / 'serve.log').read_text()[-2000:]}")
    yield f"{url}/annotate"
    process.terminate()
    process.wait(timeout=60)
    log.close()


def _manifest(root: Path) -> dict:
    return json.loads((root / ANNOTATION / "package/manifest.json").read_text())


def _marks(root: Path) -> dict[tuple[str, str], np.ndarray]:
    return {(m.participant_id, m.item_id): m.mask for m in read_marks(root / ANNOTATION / "marks.sqlite", root / ANNOTATION / "key.json")}


def _ticked(page) -> list[int]:
    return page.eval_on_selector_all("input[name=cell]:checked", "boxes => boxes.map(b => Number(b.value))")


def _start_by_keyboard(page, url: str) -> None:
    page.goto(f"{url}/")
    page.wait_for_function("document.activeElement.name === 'cs_degree'")
    for _ in range(3):
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/p/*")


def _save_by_keyboard(page) -> None:
    """Tab on past the remaining cells to the button, and press Enter."""
    for _ in range(200):
        if page.evaluate("document.activeElement.type === 'submit'"):
            break
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_participant_marks_cells_by_keyboard_and_by_mouse_without_javascript(server: str, annotating: Path) -> None:
    from playwright.sync_api import sync_playwright

    items = _manifest(annotating)["items"]
    grid = Grid.from_manifest(_manifest(annotating))
    ARTIFACTS.mkdir(exist_ok=True)
    expected: dict[str, list[int]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False).new_page()  # a phone
        _start_by_keyboard(page, server)
        assert f"Image 1 of {len(items)}" in page.content()
        assert page.evaluate("document.activeElement.name") == "cell", "the first cell has the focus"
        page.keyboard.press("Space")  # cell 0
        for _ in range(grid.cols + 2):
            page.keyboard.press("Tab")
        page.keyboard.press("Space")  # cell cols + 2: row 2, column 3
        expected[items[0]["item_id"]] = [0, grid.cols + 2]
        assert _ticked(page) == expected[items[0]["item_id"]]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling on a phone"
        page.screenshot(path=str(ARTIFACTS / "annotation_item.png"), full_page=True)
        _save_by_keyboard(page)

        assert f"Image 2 of {len(items)}" in page.content()
        mouse = [grid.n_cells - 1, grid.cols * (grid.rows // 2), 5]
        for cell in [*mouse, 5]:  # a mouse click at each cell's centre (scrolled into view); the last unticks one
            page.locator(f"label.cell:has(input[value='{cell}'])").click()
        expected[items[1]["item_id"]] = sorted(mouse[:2])
        assert _ticked(page) == expected[items[1]["item_id"]]
        with page.expect_navigation():
            page.get_by_role("button", name="Save and continue").click()

        page.goto(f"{server}/p/{page.url.rsplit('/', 1)[-1]}/item/1")  # back to the first image: the marks are shown
        assert _ticked(page) == expected[items[0]["item_id"]]
        page.locator(f"input[name=cell][value='{grid.cols + 2}']").focus()
        page.keyboard.press("Space")  # unticks it, and saves again: this submission replaces the first
        expected[items[0]["item_id"]] = [0]
        _save_by_keyboard(page)
        browser.close()

    marks = _marks(annotating)
    assert {item for _, item in marks} == set(expected) and len({p for p, _ in marks}) == 1
    for (_, item), mask in marks.items():
        np.testing.assert_array_equal(mask, grid.cell_mask(expected[item]), err_msg=f"item {item}: the mask is not the cells marked")


def test_with_javascript_arrow_keys_move_between_cells_and_the_brush_paints_pixels(server: str, annotating: Path) -> None:
    from playwright.sync_api import sync_playwright

    items = _manifest(annotating)["items"]
    grid = Grid.from_manifest(_manifest(annotating))
    before = set(_marks(annotating))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))  # the script's own errors, and any refused request
        page.on(
            "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        )
        _start_by_keyboard(page, server)
        page.wait_for_selector("[role=toolbar] button")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")  # row 2, column 2
        assert _ticked(page) == [grid.cols + 1]
        page.get_by_role("button", name="Brush", exact=True).click()
        canvas = page.locator(".board canvas").bounding_box()
        y = canvas["y"] + canvas["height"] * 0.8
        page.mouse.move(canvas["x"] + canvas["width"] * 0.1, y)
        page.mouse.down()
        for step in range(1, 11):
            page.mouse.move(canvas["x"] + canvas["width"] * (0.1 + 0.07 * step), y)
        page.mouse.up()
        brush = grid.decode_brush(page.eval_on_selector("#brush", "field => field.value"))
        assert brush is not None and brush.sum() >= 10, "the stroke painted pixels"
        rows = np.flatnonzero(brush.any(axis=1))
        assert abs(rows.mean() - 0.8 * grid.height) <= grid.height / 8, "where the stroke went"
        page.screenshot(path=str(ARTIFACTS / "annotation_brush.png"), full_page=True)
        with page.expect_navigation():
            page.get_by_role("button", name="Save and continue").click()
        assert not errors, errors
        browser.close()

    new = {key: mask for key, mask in _marks(annotating).items() if key not in before}
    assert [item for _, item in new] == [items[0]["item_id"]]
    np.testing.assert_array_equal(next(iter(new.values())), grid.cell_mask([grid.cols + 1]) | brush)


def test_twenty_people_mark_at_once_and_nothing_is_lost(server: str, annotating: Path) -> None:
    manifest = _manifest(annotating)
    items = manifest["items"]
    grid = Grid.from_manifest(manifest)
    before = _marks(annotating)

    def participant(k: int) -> tuple[str, dict[str, list[int]], list[float]]:
        status, headers, _ = _request(f"{server}/start", BACKGROUND)
        assert status == 303
        token = headers["Location"].rsplit("/", 1)[-1]
        rng = np.random.default_rng(k)
        sent, latencies = {}, []
        for item in items:
            cells = sorted(rng.choice(grid.n_cells, size=int(rng.integers(0, 12)), replace=False).tolist())
            form = [("item_id", item["item_id"]), *(("cell", str(c)) for c in cells)]
            start = time.perf_counter()
            status, _, _ = _request(
                f"{server}/p/{token}/mark", urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
            )
            latencies.append(time.perf_counter() - start)
            assert status == 303
            sent[item["item_id"]] = cells
        return token, sent, latencies

    with ThreadPoolExecutor(PARTICIPANTS) as pool:
        results = list(pool.map(participant, range(PARTICIPANTS)))
    marks = _marks(annotating)
    new = {key: mask for key, mask in marks.items() if key not in before}
    assert len(new) == PARTICIPANTS * len(items), "every submission stored exactly once"
    by_participant: dict[str, dict[str, np.ndarray]] = {}
    for (participant_id, item), mask in new.items():
        by_participant.setdefault(participant_id, {})[item] = mask
    sent_masks = sorted((tuple(np.packbits(grid.cell_mask(sent[item["item_id"]])).tobytes() for item in items) for _, sent, _ in results))
    stored_masks = sorted(tuple(np.packbits(masks[item["item_id"]]).tobytes() for item in items) for masks in by_participant.values())
    assert stored_masks == sent_masks, "each person's marks are what they sent, cell for cell"
    latencies = [t for _, _, result in results for t in result]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "annotation_load.json").write_text(
        json.dumps(
            {
                "participants": PARTICIPANTS,
                "submissions": len(latencies),
                "p50_s": float(np.median(latencies)),
                "p95_s": float(np.percentile(latencies, 95)),
            },
            indent=1,
        )
    )

    token = results[0][0]
    item = items[0]["item_id"]
    refused = {
        "path traversal": _request(f"{server}/files/../key.json")[0],
        "the key": _request(f"{server}/files/%2e%2e/key.json")[0],
        "unknown participant": _request(f"{server}/p/{'x' * 32}/mark", {"item_id": item, "cell": "1"})[0],
        "unknown item": _request(f"{server}/p/{token}/mark", {"item_id": "nope", "cell": "1"})[0],
        "a cell off the grid": _request(f"{server}/p/{token}/mark", {"item_id": item, "cell": str(grid.n_cells)})[0],
        "a malformed brush": _request(f"{server}/p/{token}/mark", {"item_id": item, "brush": "A" * (grid.brush_chars + 4)})[0],
        "malformed body": _request(f"{server}/p/{token}/mark", b"\xff\xfe{not a form", {"Content-Type": "application/json"})[0],
        "oversized body": _request(f"{server}/p/{token}/mark", {"item_id": item, "cell": "1" * 200_000})[0],
    }
    assert all(400 <= status < 500 for status in refused.values()), refused
    after = _marks(annotating)
    assert after.keys() == marks.keys() and all(np.array_equal(after[k], marks[k]) for k in marks), "nothing stored by a refused request"
    assert _request(f"{server}/healthz")[0] == 200, "the server keeps serving"
