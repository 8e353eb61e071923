"""The ingestion pipeline on a folder of real photos mixed with broken and odd files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata

from .conftest import kedro


def _photo_folder(root: Path) -> None:
    photos = {"cat": skdata.chelsea(), "coffee": skdata.coffee()}
    for name, photo in photos.items():
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(6):
            crop = photo[i * 10 : i * 10 + 200, i * 15 : i * 15 + 200]
            Image.fromarray(crop).save(folder / f"{i}.jpg", quality=90)
        Image.fromarray(photo[:120, :120]).convert("L").save(folder / "gray.PNG")
        Image.fromarray(photo[:120, :120]).convert("RGBA").save(folder / "alpha.png")
        (folder / "empty.jpg").write_bytes(b"")
        (folder / "notes.txt").write_text("not an image")
    good = (root / "cat" / "0.jpg").read_bytes()
    (root / "cat" / "truncated.jpg").write_bytes(good[: len(good) // 2])


def test_messy_folder_is_ingested_and_every_bad_file_reported(project: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    _photo_folder(photos)
    result = kedro(
        project,
        "run",
        "--pipelines=ingestion",
        f"--params=data.source=image_folder,data.root={photos},data.decoy.enabled=false,data.image_size=32",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with (project / "data/08_reporting/ingestion_report.csv").open(newline="") as handle:
        reasons = {row["path"]: row["reason"] for row in csv.DictReader(handle)}
    assert reasons["cat/empty.jpg"] == "empty file"
    assert reasons["cat/truncated.jpg"].startswith("truncated image")
    assert reasons["coffee/notes.txt"] == "not an image extension"
    counts = {split: len(np.load(project / f"data/03_primary/{split}.npz")["labels"]) for split in ("train", "val", "test")}
    assert sum(counts.values()) == 16  # 6 photos + gray + alpha per class: every odd-but-valid file kept
    assert "skipped" in result.stdout + result.stderr
