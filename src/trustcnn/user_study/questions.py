"""What a study asks, and the manifest that carries it to the page (no heavy imports: the
study server loads this, not torch)."""

from __future__ import annotations

import json
from pathlib import Path

from trustcnn.runtime.errors import MissingFileError

MANIFEST = "manifest.json"
QUESTION = "Which image best highlights the {true_class} in the original image?"
EXTRA_CHOICES = {"cant_distinguish": "Can't distinguish", "same": "They look the same"}
BACKGROUND_QUESTIONS = {
    "cs_degree": "Do you have a Bachelor's degree in computer science?",
    "knows_saliency": "Are you familiar with the term \u201csaliency map\u201d?",
    "cv_experience": "Do you have experience with computer vision?",
}
ANSWERS = ("yes", "no")
CRITICISM_QUESTION = "What does the model use to recognise {class_name}?"
CRITICISM_CHOICES = {
    "object": "The object",
    "background": "The background",
    "patch": "A coloured patch",
    "cant_tell": "Can't tell",
}
DECOY_CHOICE = "patch"
"""The answer that names the decoy (the criticism block's analysis counts it)."""


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise MissingFileError(f"{path} does not exist: build the study package first (kedro run --pipelines=user_study)")
    return json.loads(path.read_text())


def item_files(item: dict) -> set[str]:
    """The package files an item shows: a map item's input and options, a criticism item's
    prototypes and criticisms."""
    if item.get("kind") == "criticism":
        return {image for role in ("prototypes", "criticisms") for image in item[role]}
    return {item["input"]} | {option["image"] for option in item["options"]}
