"""Own photos, end to end (docs/human_masks.md, section 4): a folder of images without masks →
the whole experiment → the annotation task served by the real server → two people mark over
HTTP → human masks → the variants on human masks retrained, evaluated and registered."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient
from PIL import Image, ImageDraw

from trustcnn.user_study.annotation.grid import Grid

from .conftest import kedro
from .servers import free_port
from .test_user_study import _request

TRUSTCNN = Path(sys.executable).with_name("trustcnn")
HUMAN = ("rrr_human", "rrr_gradcam_human", "trust_mask_human")
BACKGROUND = {"cs_degree": "no", "knows_saliency": "yes", "cv_experience": "no"}
MARKED = {"first": [0, 1], "second": [1, 2]}  # cells each person ticks on every image


def _photo_folder(root: Path, per_class: int = 30, size: int = 48) -> None:
    """Three classes of shapes in random places and colours on a noisy background, as JPEGs."""
    rng = np.random.default_rng(0)
    for name in ("circle", "square", "cross"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            image = Image.fromarray(rng.integers(0, 90, (size, size, 3), dtype=np.uint8))
            draw = ImageDraw.Draw(image)
            x, y = rng.integers(4, size - 24, size=2)
            colour = tuple(int(c) for c in rng.integers(120, 256, size=3))
            if name == "circle":
                draw.ellipse((x, y, x + 20, y + 20), fill=colour)
            elif name == "square":
                draw.rectangle((x, y, x + 18, y + 18), fill=colour)
            else:
                draw.rectangle((x + 8, y, x + 12, y + 20), fill=colour)
                draw.rectangle((x, y + 8, x + 20, y + 12), fill=colour)
            image.save(root / name / f"{i}.jpg", quality=92)


def _parameters(photos: Path) -> dict:
    """conf/local/parameters.yml: the walkthrough's, at a test's size."""
    small = {"epochs": 1}
    return {
        "data": {"source": "image_folder", "root": str(photos), "image_size": 32, "decoy": {"enabled": False}, "preview_count": 4},
        "trust_variants": ["trust_gradcam"],
        "source_training": small,
        "baseline": small,
        "trust_gradcam": {"trust": {"epochs": 1, "grid": None}},
        **{name: {"trust": small} for name in HUMAN},
        "annotation": {"n_images": 4, "grid": 4, "strategy": "random"},
        "evaluation": {"n_resamples": 20, "overlay_count": 2},
        "user_study": {"n_images": 2, "n_resamples": 20},
        "error_detection": {"conductance_steps": 2, "stability_samples": 2, "fit_on": "val"},
        "robustness": {"fgsm_eps_255": [8], "pgd_steps": 1},
    }


def _run(project: Path, *args: str) -> None:
    result = kedro(project, "run", *args)
    assert result.returncode == 0, " ".join(args) + "\n" + result.stdout[-3000:] + result.stderr[-3000:]


def _serve(project: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(project / "serve.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(TRUSTCNN), "study", "serve", "--task", "annotate", "--port", str(port)], cwd=project, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if _request(f"{url}/healthz")[0] == 200:
                return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    pytest.fail(f"the server did not start: {(project / 'serve.log').read_text()[-2000:]}")


def _mark_every_image(url: str, items: list[dict], cells: list[int]) -> None:
    status, headers, _ = _request(f"{url}/start", BACKGROUND)
    assert status == 303
    token = headers["Location"].rsplit("/", 1)[-1]
    for item in items:
        form = urlencode([("item_id", item["item_id"]), *(("cell", str(c)) for c in cells)]).encode()
        assert _request(f"{url}/p/{token}/mark", form, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 303


def test_own_photos_train_mark_retrain_compare(project: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    _photo_folder(photos)
    (project / "conf/local/parameters.yml").write_text(yaml.safe_dump(_parameters(photos)))
    reporting = project / "data/08_reporting"

    # 1. Train the baseline and everything else: nobody has marked yet, and the report says so.
    _run(project, "--pipelines=transfer")
    before = json.loads((reporting / "human_masks/report.json").read_text())
    assert before["images_marked"] == 0 and "nobody has marked" in before["note"]
    assert json.loads((reporting / "trust_mask_human/history.json").read_text())[-1]["train_loss_mask"] == 0.0

    # 2. Serve the annotation task; two people mark every image over HTTP.
    manifest = json.loads((reporting / "annotation/package/manifest.json").read_text())
    process, url = _serve(project)
    try:
        for cells in MARKED.values():
            _mark_every_image(url, manifest["items"], cells)
    finally:
        process.terminate()
        process.wait(timeout=60)

    # 3. Retrain on their marks, evaluate everything again.
    _run(project, "--pipelines=human_masks")
    _run(project, "--pipelines=trust_human")
    _run(project, "--pipelines=saliency,error_detection,robustness,evaluation")

    # The masks are what they marked: both voted, a pixel either ticked counts (threshold 0.5 of
    # two), and what to avoid is left out of the mask the losses read.
    key = json.loads((reporting / "annotation/key.json").read_text())
    grid = Grid.from_manifest(manifest)
    avoided = grid.cell_mask(sorted(set(MARKED["first"]) | set(MARKED["second"])))
    human = np.load(project / "data/05_model_input/human_masks.npz")
    marked = sorted(int(image["index"]) for image in key["items"].values())
    assert np.flatnonzero(human["has_mask"]).tolist() == marked
    for index in marked:
        np.testing.assert_array_equal(human["masks"][index], ~avoided)
    report = json.loads((reporting / "human_masks/report.json").read_text())
    assert (report["source"], report["participants"], report["images_marked"]) == ("people", 2, len(marked))
    assert report["agreement"]["avoid"]["mean_pairwise_iou"] == pytest.approx(1 / 3)  # {0,1} vs {1,2}: one cell of three
    assert "note" not in report

    # Retrained on them, registered (a second version each), and compared beside the baseline.
    assert json.loads((reporting / "trust_mask_human/history.json").read_text())[-1]["train_loss_mask"] > 0
    client = MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    for name in HUMAN:
        versions = client.search_model_versions(f"name = 'trustcnn-{name}'")
        assert len(versions) == 2, name
        run = client.get_run(max(versions, key=lambda v: int(v.version)).run_id)
        assert run.data.params["human_masks.marked"] == str(len(marked)), name
    metrics = json.loads((reporting / "metrics.json").read_text())
    assert {"baseline", "trust_gradcam", *HUMAN} <= set(metrics["models"])
    assert all(0.0 <= metrics["models"][name]["accuracy"]["value"] <= 1.0 for name in HUMAN)
