"""Criticise a trained model: MMD-critic per class in its own penultimate features of the
test split, and what the selected images say about what it learnt.

A class's images are those the model predicts as it (``group_by: prediction``, the default:
what the model calls the class, so a learnt shortcut shows, even on a test split whose decoys
are random) or those labelled so (``label``). For every selected image: its label and
prediction, its maps (each of ``config.methods``: the saliency stage's where it stored them,
else computed for these images alone) and, where the data paints decoys, the class of its
decoy's colour, whether that is the class it was selected for (``decoy_agrees``) and whether
it is its label's (``decoy_matches_label``). Per
class and per model (:mod:`.measures`): the share of *decoy-consistent* prototypes against
the class's base rate (a model that learnt the colour picks its prototypes by colour), the
share of misclassified criticisms, the decoy's share of the selected images' maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from trustcnn.batches import SplitData
from trustcnn.config import CriticismConfig
from trustcnn.criticism.measures import class_measures, summary
from trustcnn.criticism.selection import ClassSelection, select_per_class
from trustcnn.data import ImageSet
from trustcnn.data.decoy_views import decoy_classes
from trustcnn.metrics import decoy_share
from trustcnn.models import SplitNet
from trustcnn.plotting.criticism import criticism_figure
from trustcnn.posthoc import penultimate_features, saliency_maps
from trustcnn.saliency import upsample_array

FEATURES = "the input of the head's last linear layer (the trust layer's pooled output in the transfer models)"


@dataclass(frozen=True)
class Shown:
    """The selected test images (rows ``index``, sorted), their decoy masks and each method's
    maps at image size — what figures and the study show."""

    index: np.ndarray
    images: ImageSet
    maps: Mapping[str, np.ndarray]

    def row(self, test_index: int) -> int:
        return int(np.searchsorted(self.index, test_index))


def selected_maps(
    model: SplitNet, chosen: ImageSet, index: np.ndarray, stored: Mapping[str, np.ndarray], config: CriticismConfig
) -> dict[str, np.ndarray]:
    """Each method's maps of the chosen images (rows ``index`` of the test split), upsampled:
    the stored ones where the saliency stage computed that method, else computed here."""
    maps = {}
    for method in config.methods:
        raw = stored[method][index] if method in stored else saliency_maps(model, SplitData.of(chosen), method, config.batch_size)
        maps[method] = upsample_array(np.asarray(raw, dtype=np.float32), chosen.images.shape[1:3])
    return maps


def criticise(
    model: SplitNet,
    test: ImageSet,
    stored_maps: Mapping[str, np.ndarray],
    predictions: np.ndarray,
    config: CriticismConfig,
) -> tuple[dict, Shown]:
    """The model's criticism report (JSON-ready) and the images it selected."""
    if len(predictions) != len(test):
        raise ValueError(f"{len(predictions)} predictions for {len(test)} test images: run the saliency stage again")
    device = next(model.parameters()).device
    features = penultimate_features(model, SplitData.of(test), config.batch_size, memory_budget_mb=config.memory_budget_mb)
    groups = np.asarray(predictions) if config.group_by == "prediction" else test.labels
    selections = select_per_class(
        features,
        groups,
        config.prototypes,
        config.criticisms,
        kernel=config.kernel,
        gamma=config.gamma,
        regularizer=config.regularizer,
        memory_budget_mb=config.memory_budget_mb,
        device=device,
    )
    index = np.unique(np.concatenate([np.r_[s.prototypes, s.criticisms] for s in selections.values()])).astype(np.int64)
    chosen = test.subset(index)
    shown = Shown(index, chosen, selected_maps(model, chosen, index, stored_maps, config))
    decoys = decoy_classes(test)
    shares = {m: None if decoys is None else decoy_share(shown.maps[m], np.asarray(chosen.decoy_masks)) for m in config.methods}
    items = ItemFacts(test, predictions, decoys, shown, shares)
    classes = {
        test.class_names[k]: class_measures(k, groups == k, test.labels, predictions, decoys, items.describe(k, selection), selection.gamma)
        for k, selection in selections.items()
    }
    report = {
        "features": {"what": FEATURES, "dims": int(features.shape[1])},
        "group_by": config.group_by,
        "kernel": config.kernel,
        "regularizer": config.regularizer,
        "methods": list(config.methods),
        "prototypes_per_class": config.prototypes,
        "criticisms_per_class": config.criticisms,
        "summary": summary(classes, list(config.methods)),
        "classes": classes,
    }
    return report, shown


@dataclass(frozen=True)
class ItemFacts:
    """What the report says about each selected image."""

    test: ImageSet
    predictions: np.ndarray
    decoys: np.ndarray | None
    shown: Shown
    shares: Mapping[str, np.ndarray | None]

    def item(self, i: int, k: int, rank: int) -> dict:
        names, label, predicted = self.test.class_names, int(self.test.labels[i]), int(self.predictions[i])
        decoy = None if self.decoys is None or self.decoys[i] < 0 else int(self.decoys[i])
        row = self.shown.row(i)
        return {
            "test_index": int(i),
            "rank": rank,
            "label": names[label],
            "prediction": names[predicted],
            "correct": predicted == label,
            "decoy": None if decoy is None else names[decoy],
            "decoy_agrees": None if decoy is None else decoy == k,
            "decoy_matches_label": None if decoy is None else decoy == label,
            "decoy_share": {m: None if s is None or np.isnan(s[row]) else float(s[row]) for m, s in self.shares.items()},
        }

    def describe(self, k: int, selection: ClassSelection) -> dict[str, list[dict]]:
        """Class ``k``'s prototypes and criticisms; ``decoy_agrees``: the decoy has ``k``'s colour."""
        prototypes = [self.item(int(i), k, r) for r, i in enumerate(selection.prototypes, 1)]
        criticisms = [
            {**self.item(int(i), k, r), "witness": float(w)} for r, (i, w) in enumerate(zip(selection.criticisms, selection.witness), 1)
        ]
        return {"prototypes": prototypes, "criticisms": criticisms}


def criticism_plot(report: Mapping, shown: Shown, name: str) -> Figure:
    """:func:`~trustcnn.plotting.criticism.criticism_figure` of the report, over the first method's maps."""
    method = report["methods"][0]
    rows = {int(i): r for r, i in enumerate(shown.index)}
    masks = shown.images.decoy_masks
    return criticism_figure(
        report, shown.images.images, None if masks is None else np.asarray(masks), shown.maps[method], rows, name, method
    )
