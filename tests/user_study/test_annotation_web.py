"""The annotation pages through Flask's test client: marks stored and read back cell for cell,
validation, resubmission, files and headers (the real server and Chromium are in
tests/integration/test_annotation.py)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from werkzeug.test import Client

from trustcnn.config import AnnotationConfig
from trustcnn.data import ImageSet
from trustcnn.storage.annotation import MarksDataset
from trustcnn.user_study.annotation.grid import Grid
from trustcnn.user_study.annotation.marks import read_marks
from trustcnn.user_study.annotation.package import build_annotation_package
from trustcnn.user_study.annotation.web import beside, create_annotation_app, max_body_bytes
from trustcnn.user_study.cli import study
from trustcnn.user_study.package import StudyPackage, write_package
from trustcnn.user_study.web import create_app

BACKGROUND = {"cs_degree": "yes", "knows_saliency": "no", "cv_experience": "yes"}
GRID = Grid.over(32, 32, 8)


def annotation(seed: int = 0, n: int = 5) -> StudyPackage:
    rng = np.random.default_rng(seed)
    images = ImageSet(rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % 2, ("cat", "dog"))
    index = np.arange(10, 10 + n)
    return build_annotation_package(
        images, index, rng.random((n, 8, 8)), images.labels, None, AnnotationConfig(image_px=64, seed=seed), GRID
    )


@pytest.fixture
def marking(tmp_path: Path) -> StudyPackage:
    package = annotation()
    write_package(package, tmp_path / "annotation")
    return package


@pytest.fixture
def client(marking: StudyPackage, tmp_path: Path) -> FlaskClient:
    return create_annotation_app(tmp_path / "annotation", tmp_path / "marks.sqlite").test_client()


def _start(client: FlaskClient, prefix: str = "") -> str:
    response = client.post(f"{prefix}/start", data=BACKGROUND)
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def _mark(client: FlaskClient, token: str, item_id: str, cells: list[int], brush: str = "") -> int:
    return client.post(f"/p/{token}/mark", data={"item_id": item_id, "cell": [str(c) for c in cells], "brush": brush}).status_code


def test_marked_cells_come_back_as_exactly_their_pixels(client: FlaskClient, marking: StudyPackage, tmp_path: Path) -> None:
    token = _start(client)
    items = marking.manifest["items"]
    page = client.get(f"/p/{token}").get_data(as_text=True)
    assert "Image 1 of 5" in page and items[0]["true_class"] in page and page.count('type="checkbox" name="cell"') == 64
    assert "baseline" not in page and "gradcam" not in page
    cells = {item["item_id"]: sorted({k * 7 % 64 for k in range(i + 1)}) for i, item in enumerate(items)}
    brush = np.zeros((32, 32), bool)
    brush[0, 31] = brush[17, 3] = True  # two single pixels, finer than any cell
    for i, item in enumerate(items):
        assert _mark(client, token, item["item_id"], cells[item["item_id"]], GRID.encode_brush(brush) if i == 0 else "") == 303
    assert "Thank you" in client.get(f"/p/{token}").get_data(as_text=True)

    marks = read_marks(tmp_path / "marks.sqlite", marking.key)
    assert len(marks) == 5 and {m.participant_id for m in marks} == {"1"}
    for mark in marks:
        expected = GRID.cell_mask(cells[mark.item_id]) | (brush if mark.item_id == items[0]["item_id"] else False)
        np.testing.assert_array_equal(mark.mask, expected)
        assert (mark.split, mark.index, mark.kind) == ("train", marking.key["items"][mark.item_id]["index"], "avoid")


def test_resubmitting_replaces_that_participants_marks_only(client: FlaskClient, marking: StudyPackage, tmp_path: Path) -> None:
    first, second = _start(client), _start(client)
    item = marking.manifest["items"][2]["item_id"]
    assert _mark(client, first, item, [0, 1]) == _mark(client, second, item, [5]) == 303
    assert _mark(client, first, item, [63]) == 303
    page = client.get(f"/p/{first}/item/3").get_data(as_text=True)
    assert 'value="63" aria-label="row 8, column 8" checked' in page and 'value="0" aria-label="row 1, column 1" checked' not in page
    marks = {m.participant_id: m.mask for m in read_marks(tmp_path / "marks.sqlite", marking.key)}
    np.testing.assert_array_equal(marks["1"], GRID.cell_mask([63]))
    np.testing.assert_array_equal(marks["2"], GRID.cell_mask([5]))


@pytest.mark.parametrize(
    "form, status",
    [
        ({"item_id": "nope", "cell": ["1"]}, 400),
        ({"cell": ["1"]}, 400),
        ({"item_id": "ITEM", "cell": ["64"]}, 400),
        ({"item_id": "ITEM", "cell": ["1", "1"]}, 400),
        ({"item_id": "ITEM", "cell": ["one"]}, 400),
        ({"item_id": "ITEM", "brush": "AAAA"}, 400),
        ({"item_id": "ITEM", "brush": "!" * GRID.brush_chars}, 400),
        ({"item_id": "ITEM", "cell": [str(i % 64) for i in range(5000)]}, 413),
    ],
)
def test_bad_marks_are_refused_and_nothing_is_stored(client: FlaskClient, marking: StudyPackage, tmp_path: Path, form, status) -> None:
    token = _start(client)
    form = {k: marking.manifest["items"][0]["item_id"] if v == "ITEM" else v for k, v in form.items()}
    assert client.post(f"/p/{token}/mark", data=form).status_code == status
    assert client.post("/p/not-a-token/mark", data={"item_id": marking.manifest["items"][0]["item_id"]}).status_code == 404
    assert client.post("/start", data={**BACKGROUND, "cs_degree": "maybe"}).status_code == 400
    assert client.post(f"/p/{token}/mark", data={"item_id": "x" * (2 * max_body_bytes(GRID))}).status_code == 413
    assert read_marks(tmp_path / "marks.sqlite", marking.key) == []
    with sqlite3.connect(tmp_path / "marks.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM marks").fetchone() == (0,)


def test_an_empty_submission_is_a_mark_of_nothing(client: FlaskClient, marking: StudyPackage, tmp_path: Path) -> None:
    token = _start(client)
    assert _mark(client, token, marking.manifest["items"][0]["item_id"], []) == 303
    (mark,) = read_marks(tmp_path / "marks.sqlite", marking.key)
    assert mark.mask.shape == (32, 32) and not mark.mask.any()


def test_marks_of_another_package_belong_to_its_key(client: FlaskClient, marking: StudyPackage, tmp_path: Path) -> None:
    token = _start(client)
    assert _mark(client, token, marking.manifest["items"][0]["item_id"], [3]) == 303
    other = annotation(seed=1)
    write_package(other, tmp_path / "other")
    other_client = create_annotation_app(tmp_path / "other", tmp_path / "marks.sqlite").test_client()
    assert other_client.get(f"/p/{token}").status_code == 410, "an old link does not mark the new images"
    assert _mark(other_client, _start(other_client), other.manifest["items"][1]["item_id"], [4]) == 303
    assert [m.participant_id for m in read_marks(tmp_path / "marks.sqlite", marking.key)] == ["1"]
    assert [m.participant_id for m in read_marks(tmp_path / "marks.sqlite", other.key)] == ["2"]
    with pytest.raises(FileNotFoundError, match="serve the annotation task"):
        read_marks(tmp_path / "none.sqlite", marking.key)


def test_only_the_manifests_files_and_the_pages_own_assets_are_served(client: FlaskClient, marking: StudyPackage) -> None:
    item = marking.manifest["items"][0]
    for name in (item["input"], item["map"]):
        response = client.get(f"/files/{name}")
        assert response.status_code == 200 and response.mimetype == "image/png"
    for path in ("/files/manifest.json", "/files/../key.json", "/files/images/", "/files/%2e%2e/manifest.json", "/key.json"):
        assert client.get(path).status_code == 404, path
    assert client.get("/annotation.js").mimetype == "text/javascript" and client.get("/annotation.css").mimetype == "text/css"


def test_headers_allow_this_servers_scripts_and_nothing_else(client: FlaskClient) -> None:
    for path in ("/", "/healthz", "/nope", "/annotation.js"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
        assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"


def test_both_tasks_on_one_server_keep_their_own_pages_and_policies(marking: StudyPackage, package_dir: Path, tmp_path: Path) -> None:
    app = beside(
        create_app(package_dir, tmp_path / "answers.sqlite"), create_annotation_app(tmp_path / "annotation", tmp_path / "marks.sqlite")
    )
    client = Client(app)
    assert "Which map shows the object?" in client.get("/").get_data(as_text=True)
    assert "script-src" not in client.get("/").headers["Content-Security-Policy"]
    start = client.post("/annotate/start", data=BACKGROUND)
    assert start.status_code == 303 and start.headers["Location"].startswith("/annotate/p/")
    page = client.get(start.headers["Location"])
    assert "script-src 'self'" in page.headers["Content-Security-Policy"] and 'src="/annotate/annotation.js"' in page.get_data(as_text=True)
    assert client.get("/annotate/healthz").json["task"] == "annotation"


def test_each_server_refuses_the_other_tasks_package(marking: StudyPackage, package_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an annotation package"):
        create_annotation_app(package_dir, tmp_path / "marks.sqlite")
    with pytest.raises(ValueError, match="holds the annotation task"):
        create_app(tmp_path / "annotation", tmp_path / "answers.sqlite")


def test_the_server_loads_neither_torch_nor_the_data_sources() -> None:
    code = "import sys, trustcnn.user_study.annotation.web, trustcnn.user_study.cli; print(sorted(m for m in ('torch', 'trustcnn.data') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_catalogs_marks_dataset_registers_the_package_and_loads_marks(
    client: FlaskClient, marking: StudyPackage, tmp_path: Path
) -> None:
    (tmp_path / "key.json").write_text(json.dumps(marking.key))
    dataset = MarksDataset(filepath=str(tmp_path / "fresh.sqlite"), key_filepath=str(tmp_path / "key.json"))
    assert not dataset.exists()
    dataset.save({"study_id": marking.key["study_id"], "n_items": 5})
    assert dataset.exists() and dataset.load() == []
    token = _start(client)
    assert _mark(client, token, marking.manifest["items"][0]["item_id"], [9]) == 303
    dataset = MarksDataset(filepath=str(tmp_path / "marks.sqlite"), key_filepath=str(tmp_path / "key.json"))
    dataset.save({"study_id": marking.key["study_id"], "n_items": 5})  # a re-run keeps every mark
    (mark,) = dataset.load()
    np.testing.assert_array_equal(mark.mask, GRID.cell_mask([9]))


def test_serve_says_in_one_line_what_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(study, ["serve", "--task", "annotate", "--annotation-package", str(tmp_path / "none")])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "kedro run --pipelines=annotation" in result.output
