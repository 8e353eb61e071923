"""Adversarial items for a user study (Cisse et al. 2017): would people notice from the maps
that an attacked image fools a model? Test images are attacked against one model (PGD), and
every compared model's map of the attacked image is shown, like any other item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trustcnn.batches import SplitData
from trustcnn.config import RobustnessConfig
from trustcnn.data import ImageSet
from trustcnn.metrics import energy_in_mask
from trustcnn.models import from_checkpoint
from trustcnn.posthoc import probabilities, saliency_maps
from trustcnn.robustness import adversarial_image_set
from trustcnn.saliency import upsample_array
from trustcnn.user_study.package import Shown


def adversarial_shown(
    test: ImageSet,
    checkpoints: Mapping[str, dict[str, Any]],
    models: Sequence[str],
    against: str,
    *,
    n_images: int,
    robustness: RobustnessConfig,
    method: str,
    seed: int,
    accurate_energy: float,
) -> Shown:
    """``n_images`` test images (seeded, distinct) attacked against ``against``, with each of
    ``models``' ``method`` map, right/wrong and automatic verdict on the attacked image."""
    index = np.sort(np.random.default_rng([seed, 1]).choice(len(test), size=min(n_images, len(test)), replace=False))
    nets = {name: from_checkpoint(checkpoints[name]) for name in {*models, against}}
    attacked = adversarial_image_set(nets[against], test.subset(index), robustness)
    batches = SplitData.of(attacked)
    maps = {m: saliency_maps(nets[m], batches, method, robustness.batch_size) for m in models}
    correct = {m: probabilities(nets[m], batches, robustness.batch_size).argmax(1) == attacked.labels for m in models}
    accurate = None
    if attacked.masks is not None:
        size = attacked.images.shape[1:3]
        accurate = {m: energy_in_mask(upsample_array(maps[m], size), attacked.masks) >= accurate_energy for m in models}
    return Shown(attacked, maps, correct, accurate, index, adversarial=True)
