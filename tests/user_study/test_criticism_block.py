"""The study's criticism block: packaged blinded after the map items, served and validated by
the app, analysed per model as the share of people who name the decoy."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from trustcnn.user_study.analysis import analyse, report_markdown
from trustcnn.user_study.criticism import criticism_block
from trustcnn.user_study.package import build_package, write_package
from trustcnn.user_study.questions import CRITICISM_CHOICES
from trustcnn.user_study.store import Responses, ResponseStore
from trustcnn.user_study.web import create_app

from .conftest import MODELS, synthetic

BACKGROUND = {"cs_degree": "yes", "knows_saliency": "no", "cv_experience": "yes"}


def reports() -> dict:
    """Two classes per model, three prototypes and two criticisms each (test rows)."""

    def row(start: int) -> dict:
        return {
            "prototypes": [{"test_index": start + k} for k in range(3)],
            "criticisms": [{"test_index": start + 3 + k} for k in range(2)],
        }

    return {m: {"classes": {"0": row(0), "1": row(10 + 5 * j)}} for j, m in enumerate(MODELS)}


def with_block(n_images: int = 6):
    test, maps, predictions, accurate = synthetic()
    block = partial(criticism_block, test, maps, reports(), list(MODELS), image_px=64)
    return build_package(test, maps, predictions, accurate, n_images=n_images, seed=0, image_px=64, method="gradcam", criticism=block)


def test_the_block_is_blinded_and_the_key_unblinds_it() -> None:
    package = with_block()
    block = package.manifest["criticism"]
    assert len(block["items"]) == 4 and block["choices"] == CRITICISM_CHOICES and "{class_name}" in block["question"]
    served = json.dumps(package.manifest)
    assert not any(model in served for model in MODELS)
    key = package.key["criticism"]
    assert key["decoy_choice"] == "patch" and key["models"] == list(MODELS)
    owners = sorted((entry["model"], entry["class_name"]) for entry in key["items"].values())
    assert owners == sorted((m, c) for m in MODELS for c in ("0", "1"))
    for item in block["items"]:
        entry = key["items"][item["item_id"]]
        assert item["kind"] == "criticism" and item["class_name"] == entry["class_name"]
        assert len(item["prototypes"]) == len(entry["prototypes"]) == 3 and len(item["criticisms"]) == 2
        assert all(package.files[name].startswith(b"\x89PNG") for name in item["prototypes"] + item["criticisms"])
    # the map items and study are unchanged without the block; with it the study id is another
    test, maps, predictions, accurate = synthetic()
    plain = build_package(test, maps, predictions, accurate, n_images=6, seed=0, image_px=64, method="gradcam")
    assert plain.manifest["items"] == package.manifest["items"] and "criticism" not in plain.manifest
    assert plain.manifest["study_id"] != package.manifest["study_id"] and with_block().manifest == package.manifest


def test_the_app_serves_the_block_after_the_map_items(tmp_path: Path) -> None:
    package = with_block()
    write_package(package, tmp_path / "package")
    client = create_app(tmp_path / "package", tmp_path / "answers.sqlite").test_client()
    assert "The last 4 pages are different" in client.get("/").get_data(as_text=True)
    token = client.post("/start", data=BACKGROUND).headers["Location"].rsplit("/", 1)[-1]
    items, block = package.manifest["items"], package.manifest["criticism"]["items"]
    for item in items:
        client.post(f"/p/{token}/answer", data={"item_id": item["item_id"], "choice": "same"})
    page = client.get(f"/p/{token}").get_data(as_text=True)
    first = block[0]
    assert f"What does the model use to recognise {first['class_name']}?" in page and "A coloured patch" in page
    assert not any(model in page for model in MODELS)
    image = client.get(f"/files/{first['prototypes'][0]}")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    refused = [
        client.post(f"/p/{token}/answer", data={"item_id": first["item_id"], "choice": "same"}).status_code,  # a map item's answer
        client.post(f"/p/{token}/answer", data={"item_id": items[0]["item_id"], "choice": "patch"}).status_code,  # and vice versa
    ]
    assert refused == [400, 400]
    for item, choice in zip(block, ("patch", "object", "patch", "cant_tell")):
        assert client.post(f"/p/{token}/answer", data={"item_id": item["item_id"], "choice": choice}).status_code == 303
    assert "Thank you" in client.get(f"/p/{token}").get_data(as_text=True)
    answers = ResponseStore(tmp_path / "answers.sqlite").responses().answers
    assert len(answers) == len(items) + len(block)
    assert {a["choice"] for a in answers if a["item_id"] == items[0]["item_id"]} == {"same"}


def _responses(study_id: str, answers: list[tuple[int, str, str]]) -> Responses:
    people = sorted({p for p, _, _ in answers})
    return Responses(
        [{"study_id": study_id, "n_items": 0, "registered_at": 0.0}],
        [{"participant_id": p, "study_id": study_id, **BACKGROUND, "started_at": 0.0} for p in people],
        [{"participant_id": p, "item_id": i, "choice": c, "answered_at": 0.0} for p, i, c in answers],
    )


def test_the_analysis_reports_per_model_who_names_the_decoy() -> None:
    package = with_block()
    key = package.key
    by_owner = {(e["model"], e["class_name"]): item_id for item_id, e in key["criticism"]["items"].items()}
    base, mask = MODELS
    answers = [
        (1, by_owner[(base, "0")], "patch"),
        (1, by_owner[(base, "1")], "patch"),
        (1, by_owner[(mask, "0")], "object"),
        (2, by_owner[(base, "0")], "patch"),
        (2, by_owner[(base, "1")], "background"),
        (2, by_owner[(mask, "1")], "patch"),
    ]
    report = analyse(_responses(key["study_id"], answers), key, n_resamples=50)
    assert report["answers"] == 0  # no map item answered: the map analysis says so …
    block = report["criticism"]  # … and the block is analysed all the same
    assert block["answers"] == 6 and block["participants"] == 2
    assert block["models"][base]["names_decoy"]["value"] == pytest.approx(3 / 4)
    assert block["models"][mask]["names_decoy"]["value"] == pytest.approx(1 / 2)
    assert block["models"][base]["background"]["value"] == pytest.approx(1 / 4)
    assert block["models"][base]["per_class"]["0"]["value"] == 1.0
    lo, hi = block["models"][base]["names_decoy"]["ci95"]
    assert lo <= 3 / 4 <= hi and block["models"][base]["names_decoy"]["n_clusters"] == 2
    markdown = report_markdown(report)
    assert "## Criticism block" in markdown and f"| {base} | 0.750 [" in markdown
    empty = analyse(_responses(key["study_id"], []), key)
    assert empty["criticism"]["answers"] == 0 and "no answers to the criticism block" in report_markdown(empty)
