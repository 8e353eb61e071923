"""What a study asks, and the manifest that carries it to the page (no heavy imports: the
study server loads this, not torch)."""

from __future__ import annotations

import json
from pathlib import Path

from trustcnn.errors import MissingFileError

MANIFEST = "manifest.json"
QUESTION = "Which image best highlights the {true_class} in the original image?"
EXTRA_CHOICES = {"cant_distinguish": "Can't distinguish", "same": "They look the same"}
BACKGROUND_QUESTIONS = {
    "cs_degree": "Do you have a Bachelor's degree in computer science?",
    "knows_saliency": "Are you familiar with the term \u201csaliency map\u201d?",
    "cv_experience": "Do you have experience with computer vision?",
}
ANSWERS = ("yes", "no")


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise MissingFileError(f"{path} does not exist: build the study package first (kedro run --pipelines=user_study)")
    return json.loads(path.read_text())
