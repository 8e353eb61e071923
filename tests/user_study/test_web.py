"""The study app through Flask's test client: validation, files, headers (the real server
and browser are in tests/integration/test_user_study.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from trustcnn.user_study.store import ResponseStore
from trustcnn.user_study.web import MAX_BODY_BYTES, create_app

BACKGROUND = {"cs_degree": "yes", "knows_saliency": "no", "cv_experience": "yes"}


@pytest.fixture
def client(package_dir: Path, tmp_path: Path) -> FlaskClient:
    return create_app(package_dir, tmp_path / "answers.sqlite").test_client()


def _start(client: FlaskClient) -> str:
    response = client.post("/start", data=BACKGROUND)
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_a_participant_answers_revisits_and_finishes(client: FlaskClient, package, tmp_path: Path) -> None:
    token = _start(client)
    items = package.manifest["items"]
    page = client.get(f"/p/{token}").get_data(as_text=True)
    assert f"Image 1 of {len(items)}" in page and f"highlights the {items[0]['true_class']}" in page
    assert not any(model in page for model in ("baseline", "trust_mask"))
    for item in items:
        assert (
            client.post(f"/p/{token}/answer", data={"item_id": item["item_id"], "choice": item["options"][0]["option_id"]}).status_code
            == 303
        )
    assert "Thank you" in client.get(f"/p/{token}").get_data(as_text=True)
    client.post(f"/p/{token}/answer", data={"item_id": items[0]["item_id"], "choice": "same"})
    assert 'value="same" required checked' in client.get(f"/p/{token}/item/1").get_data(as_text=True)
    answers = ResponseStore(tmp_path / "answers.sqlite").responses().answers
    assert len(answers) == len(items) and answers[0]["choice"] == "same"


@pytest.mark.parametrize(
    "form, status",
    [
        ({"item_id": "nope", "choice": "same"}, 400),
        ({"choice": "same"}, 400),
        ({"item_id": "ITEM", "choice": "baseline"}, 400),
        ({"item_id": "ITEM"}, 400),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(client: FlaskClient, package, tmp_path: Path, form, status) -> None:
    token = _start(client)
    form = {k: package.manifest["items"][0]["item_id"] if v == "ITEM" else v for k, v in form.items()}
    assert client.post(f"/p/{token}/answer", data=form).status_code == status
    assert client.post("/p/not-a-token/answer", data={"item_id": "x", "choice": "same"}).status_code == 404
    assert client.post("/start", data={**BACKGROUND, "cs_degree": "maybe"}).status_code == 400
    assert client.post(f"/p/{token}/answer", data={"item_id": "x" * (2 * MAX_BODY_BYTES)}).status_code == 413
    assert ResponseStore(tmp_path / "answers.sqlite").responses().answers == []


def test_only_the_manifests_files_are_served(client: FlaskClient, package) -> None:
    image = package.manifest["items"][0]["input"]
    response = client.get(f"/files/{image}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    for path in (
        "/files/manifest.json",
        "/files/../key.json",
        "/files/images/",
        "/files/%2e%2e/manifest.json",
        "/files/images/../manifest.json",
        "/files",
        "/package/manifest.json",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/files//etc/passwd", follow_redirects=True).status_code == 404  # slashes merged, then refused


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/", "/healthz", "/nope"):
        headers = client.get(path).headers
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
