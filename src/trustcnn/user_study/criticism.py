"""The study's optional criticism block (``user_study.criticism``): for each compared model
(blinded) and class, the criticism stage's prototypes and criticisms of that class, each shown
as the image beside its map, and the question "What does the model use to recognise ⟨class⟩?"
(the object, the background, a coloured patch, can't tell). The analysis reports, per model,
the share of people who name the decoy (a coloured patch): does criticism let people find a
shortcut the model learnt?"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

from trustcnn.data import ImageSet
from trustcnn.saliency import upsample_array
from trustcnn.user_study.questions import CRITICISM_CHOICES, CRITICISM_QUESTION, DECOY_CHOICE
from trustcnn.user_study.render import overlay

ROLES = ("prototypes", "criticisms")


def pair_png(image: np.ndarray, saliency: np.ndarray, size: int) -> bytes:
    """The image and its map (any resolution) over it, side by side, each ``size`` pixels
    square (nearest: pixels stay crisp), as PNG."""
    heatmap = upsample_array(np.asarray(saliency, dtype=np.float32)[None], image.shape[:2])[0]
    joined = Image.new("RGB", (2 * size, size))
    for k, half in enumerate((image, overlay(image, heatmap))):
        joined.paste(Image.fromarray(half).resize((size, size), Image.Resampling.NEAREST), (k * size, 0))
    buffer = io.BytesIO()
    joined.save(buffer, format="PNG")
    return buffer.getvalue()


def criticism_block(
    test: ImageSet,
    maps: Mapping[str, np.ndarray],
    reports: Mapping[str, Mapping],
    models: Sequence[str],
    *,
    image_px: int,
    rng: np.random.Generator,
    files: dict[str, bytes],
) -> tuple[dict, dict]:
    """The block's manifest part (served) and key part (never served): one item per model and
    class of ``reports`` (each model's criticism report), its images added to ``files`` under
    random names, the items in a random order. ``maps[model]`` are the shown method's maps."""
    entries = [(model, label) for model in models for label in reports[model]["classes"]]
    items, key_items = [], {}
    for row in rng.permutation(len(entries)):
        model, label = entries[row]
        selected = reports[model]["classes"][label]
        item_id = rng.bytes(5).hex()
        item = {"item_id": item_id, "kind": "criticism", "class_name": label}
        for role in ROLES:
            item[role] = []
            for chosen in selected[role]:
                name, i = f"images/{rng.bytes(8).hex()}.png", chosen["test_index"]
                files[name] = pair_png(test.images[i], maps[model][i], image_px // 2)
                item[role].append(name)
        items.append(item)
        key_items[item_id] = {
            "model": model,
            "class_name": label,
            **{role: [c["test_index"] for c in selected[role]] for role in ROLES},
        }
    manifest = {"question": CRITICISM_QUESTION, "choices": CRITICISM_CHOICES, "items": items}
    return manifest, {"decoy_choice": DECOY_CHOICE, "models": list(models), "items": key_items}
