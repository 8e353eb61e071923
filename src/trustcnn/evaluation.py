"""Compare trained models on the test split: classification with CIs and map quality.

Input per model is what the saliency stage saved: ``maps`` (Grad-CAM at the trainable
layer's resolution, in [0, 1]), ``predictions`` and ``probabilities``, other methods' maps
and, on data with decoys, predictions on the decoy views. Maps are upsampled (bilinear) to
the image size before they meet masks or each other, so localisation and SSIM are measured
where a user looks at them.

The Grad-CAM scores grade the very maps the trust losses train, so on their own they are
circular evidence. Reliance on the decoy is therefore also measured without any trained
map (:mod:`trustcnn.metrics.reliance`): accuracy on decoy views, the flip rate, the share of
the gap to the no-decoy reference model closed, and input × gradient's share on the decoy.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from trustcnn.data import ImageSet
from trustcnn.metrics import (
    CASES,
    case_shares,
    classification_metrics,
    decoy_share,
    energy_in_mask,
    gap_closed,
    mean_ci,
    pointing_game,
    ssim_per_image,
    thresholded_iou,
    view_estimates,
)
from trustcnn.saliency import upsample

REFERENCE = "baseline"
NO_DECOY = "no_decoy"
"""The reference trained like the baseline on the same images without their decoys."""
# The paper's Table 1: classification with CIs and SSIM against the baseline's maps; we add
# energy in mask because it says whether a map points at the object at all.
TABLE1_COLUMNS = ("accuracy", "precision", "recall", "ssim_vs_baseline", "energy_in_mask")
# Reliance on the decoy, from predictions and an untrained attribution (beside Grad-CAM's).
RELIANCE_COLUMNS = (
    "accuracy_consistent", "accuracy", "accuracy_swapped", "decoy_drop", "decoy_flip_rate", "gap_closed",
    "decoy_share_input_x_gradient", "decoy_share_gradcam",
)
Results = Mapping[str, Mapping[str, np.ndarray]]


def upsample_maps(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    return upsample(torch.from_numpy(np.ascontiguousarray(maps)), size).numpy()


def evaluate_models(
    test: ImageSet,
    results: Results,
    *,
    method: str = "gradcam",
    n_resamples: int = 1000,
    seed: int = 0,
    iou_threshold: float = 0.5,
    accurate_energy: float = 0.35,
) -> dict:
    """``{"models": {name: {...}}}`` with, per model, estimates ``{"value", "ci95"}`` of
    accuracy, precision, recall, ``ssim_vs_baseline`` (maps vs the baseline's, image by
    image) and ``sanity_ssim`` (maps vs the same model with its trainable layer
    re-initialised: low means the maps depend on the learnt weights), and — when the data
    has masks — ``energy_in_mask`` (= ``energy_pointing_game``), ``pointing_game``,
    ``iou`` (map ≥ ``iou_threshold``), ``case_shares`` (the paper's four cases, a map
    counting as accurate when ``energy_in_mask ≥ accurate_energy``) and ``by_method``:
    the three localisation scores of every other method's maps (``maps_<method>``).
    When the test images carry decoys, :func:`reliance` adds the decoy views' accuracies,
    drop and flip rate, ``gap_closed`` and each method's ``decoy_share_<method>``
    (``method`` names the method of ``maps``). The report's ``champion`` is
    :func:`choose_champion`'s pick.
    """
    if REFERENCE not in results:
        raise ValueError(f"evaluation needs the {REFERENCE!r} model's results; got {sorted(results)}")
    size = test.images.shape[1:3]
    maps = {name: upsample_maps(result["maps"], size) for name, result in results.items()}
    kwargs = {"n_resamples": n_resamples, "seed": seed}
    report: dict[str, dict] = {}
    for name, result in results.items():
        if len(result["predictions"]) != len(test):
            raise ValueError(f"{name}: {len(result['predictions'])} predictions for {len(test)} test images")
        # Macro over the classes the test split has (an ImageNet subset has few of 1000).
        row = classification_metrics(
            test.labels, result["predictions"], test.num_classes, labels=np.unique(test.labels), **kwargs
        )
        row["ssim_vs_baseline"] = mean_ci(ssim_per_image(maps[name], maps[REFERENCE]), **kwargs)
        if "sanity_maps" in result:
            row["sanity_ssim"] = mean_ci(ssim_per_image(maps[name], upsample_maps(result["sanity_maps"], size)), **kwargs)
        others = {key.removeprefix("maps_"): upsample_maps(v, size) for key, v in result.items() if key.startswith("maps_")}
        if test.masks is not None:
            energy = energy_in_mask(maps[name], test.masks)
            row |= localisation(maps[name], test.masks, energy, iou_threshold, **kwargs)
            correct = result["predictions"] == test.labels
            row["case_shares"] = case_shares(correct, energy >= accurate_energy, test.labels, test.class_names, **kwargs)
            row["by_method"] = {
                other: localisation(m, test.masks, energy_in_mask(m, test.masks), iou_threshold, **kwargs)
                for other, m in others.items()
            }
        if test.has_decoys and "predictions_consistent" in result:
            row |= reliance(test, results, name, {method: maps[name], **others}, **kwargs)
        report[name] = row
    return {"models": report, "champion": choose_champion(report)}


def reliance(test: ImageSet, results: Results, name: str, maps: Mapping[str, np.ndarray], **kwargs) -> dict[str, dict]:
    """Model ``name``'s reliance on the decoy (:mod:`trustcnn.metrics.reliance`): the views'
    accuracies, drop and flip rate; ``gap_closed`` when the no-decoy reference was trained;
    ``decoy_share_<method>`` of each of ``maps`` (upsampled, keyed by method)."""
    result = results[name]
    views = {"consistent": result["predictions_consistent"], "random": result["predictions"], "swapped": result["predictions_swapped"]}
    row = view_estimates(test.labels, views, **kwargs)
    if NO_DECOY in results:
        correct = {m: results[m]["predictions"] == test.labels for m in (name, REFERENCE, NO_DECOY)}
        row["gap_closed"] = gap_closed(correct[name], correct[REFERENCE], correct[NO_DECOY], **kwargs)
    for method, method_maps in maps.items():
        row[f"decoy_share_{method}"] = mean_ci(decoy_share(method_maps, test.decoy_masks), **kwargs)
    return row


def localisation(maps: np.ndarray, masks: np.ndarray, energy: np.ndarray, iou_threshold: float, **kwargs) -> dict[str, dict]:
    """Pointing game, energy-based pointing game (per-image ``energy``, also reported as
    ``energy_in_mask``) and IoU of maps already at the masks' resolution, each with its CI."""
    energy_estimate = mean_ci(energy, **kwargs)
    return {
        "energy_in_mask": energy_estimate,
        "energy_pointing_game": energy_estimate,
        "pointing_game": mean_ci(pointing_game(maps, masks), **kwargs),
        "iou": mean_ci(thresholded_iou(maps, masks, iou_threshold), **kwargs),
    }


CHAMPION_CRITERION = (
    f"among the models trained on the decoyed data whose accuracy is not below the {REFERENCE}'s 95% CI and, "
    f"when the test images carry decoys, whose decoy flip rate is measurably lower than the {REFERENCE}'s "
    "(its 95% CI lies below the baseline's value): the highest share of test images classified right with an "
    f"accurate map (Table 3's right_accurate); ties and data without masks: accuracy. The {REFERENCE} always "
    f"qualifies; the {NO_DECOY} reference never competes"
)


def choose_champion(models: Mapping[str, Mapping]) -> dict:
    """The best *trustworthy* model (:data:`CHAMPION_CRITERION`): measurably less reliant on
    the shortcut (judged from predictions, not from any trained map), no less accurate, and
    then right for a visible reason most often."""
    reference = models[REFERENCE]
    floor = reference["accuracy"]["ci95"][0]

    def qualifies(name: str) -> bool:
        row = models[name]
        if name == REFERENCE:
            return True
        if name == NO_DECOY or row["accuracy"]["value"] < floor:
            return False
        return "decoy_flip_rate" not in row or row["decoy_flip_rate"]["ci95"][1] < reference["decoy_flip_rate"]["value"]

    def key(name: str) -> tuple[float, float]:
        row = models[name]
        shares = row.get("case_shares")
        trusted = shares["overall"]["right_accurate"]["value"] if shares else 0.0
        return trusted, row["accuracy"]["value"]

    best = max((name for name in models if qualifies(name)), key=key)
    return {"model": best, "criterion": CHAMPION_CRITERION}


def format_estimate(estimate: Mapping) -> str:
    """``value [lo, hi]`` to three decimals, ``n/a`` for an estimate without a value."""
    if estimate.get("value") is None:
        return "n/a"
    lo, hi = estimate["ci95"]
    return f"{estimate['value']:.3f} [{lo:.3f}, {hi:.3f}]"


def table1(report: Mapping) -> dict:
    """The paper's Table 1 for this data: :data:`TABLE1_COLUMNS` of every model, and beside
    it, on data with decoys, the :data:`RELIANCE_COLUMNS` (under ``reliance``)."""
    def pick(columns: tuple[str, ...]) -> dict:
        return {name: {c: row[c] for c in columns if c in row} for name, row in report["models"].items()}

    table = {"models": pick(TABLE1_COLUMNS), "champion": report["champion"]}
    if any("decoy_flip_rate" in row for row in report["models"].values()):
        table["reliance"] = pick(RELIANCE_COLUMNS)
    return table


def table1_markdown(table: Mapping) -> str:
    text = metrics_table(table, "Table 1: classification (95% CI) and maps vs the baseline's, test split")
    if "reliance" in table:
        title = (
            "Reliance on the decoy, without trained maps: accuracy on the decoy views (accuracy = random view), "
            f"flip rate consistent → swapped, share of the gap to {NO_DECOY} closed, decoy share of each map"
        )
        text += "\n" + metrics_table({"models": table["reliance"]}, title)
    return text


def table3(report: Mapping) -> dict:
    """The paper's Table 3 for this data: the four cases' shares per model."""
    return {
        "models": {name: row["case_shares"] for name, row in report["models"].items() if "case_shares" in row}
    }


def table3_markdown(table: Mapping, accurate_energy: float) -> str:
    lines = [
        f"## Table 3: label right/wrong × map accurate (energy in mask ≥ {accurate_energy:g}) or not, test split",
        "",
        "| model | " + " | ".join(CASES) + " |",
        "|---|" + "---|" * len(CASES),
    ]
    for name, shares in table["models"].items():
        lines.append(f"| {name} | " + " | ".join(format_estimate(shares["overall"][c]) for c in CASES) + " |")
    lines += ["", "Shares of test images with 95% bootstrap confidence intervals.", "", "### Per class", ""]
    lines += ["| model | class | " + " | ".join(CASES) + " |", "|---|---|" + "---|" * len(CASES)]
    for name, shares in table["models"].items():
        for label, row in shares["per_class"].items():
            lines.append(f"| {name} | {label} | " + " | ".join(f"{row[c]:.3f}" for c in CASES) + " |")
    return "\n".join(lines) + "\n\nShares of each class's test images.\n"


def metrics_table(report: Mapping, title: str | None = None) -> str:
    """A Markdown table of :func:`evaluate_models`' estimates (value [95% CI])."""
    models = report["models"]
    columns = list(
        dict.fromkeys(key for row in models.values() for key, value in row.items() if "value" in value)
    )
    lines = [f"## {title}", ""] if title else []
    lines += [
        "| model | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for name, row in models.items():
        lines.append(f"| {name} | " + " | ".join(format_estimate(row[c]) if c in row else "n/a" for c in columns) + " |")
    return "\n".join(lines) + "\n\nValues are point estimates with 95% bootstrap confidence intervals on the test split.\n"
