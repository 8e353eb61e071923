"""A trained model criticised on a split: its features, the selected images and what they say."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trustcnn.batches import SplitData
from trustcnn.config import CriticismConfig, ModelConfig, SaliencyConfig
from trustcnn.criticism import criticism_markdown, docs_table, metrics_entries
from trustcnn.criticism.docs import with_table
from trustcnn.criticism.measures import class_measures, summary
from trustcnn.criticism.model import criticise, criticism_plot
from trustcnn.data import ImageSet, make_digits
from trustcnn.data.decoy_views import decoy_classes
from trustcnn.evaluation import summary_table, with_criticism
from trustcnn.models import build_model
from trustcnn.posthoc import penultimate_features, posthoc


@pytest.fixture(scope="module")
def test_split() -> ImageSet:
    return make_digits(classes=[0, 1, 2], seed=0, max_per_class=40, decoy_probability=0.9)["test"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    net = build_model(ModelConfig(width=4, new_channels=8), num_classes=3, mean=[0.5] * 3, std=[0.25] * 3).eval()
    with torch.no_grad():
        net.head[-1].bias.zero_()
        net.head[-1].weight.mul_(50)
    return net


def test_features_are_what_the_last_linear_layer_reads(model, test_split: ImageSet) -> None:
    features = penultimate_features(model, SplitData.of(test_split), batch_size=7)
    assert features.shape == (len(test_split), 8) and features.dtype == np.float32
    with torch.no_grad():
        logits = model.head[-1](torch.from_numpy(features))
        probabilities = posthoc(model, test_split, SaliencyConfig(extra_methods=[]))[1]["probabilities"]
    np.testing.assert_allclose(torch.softmax(logits, 1).numpy(), probabilities, atol=1e-5)


def test_decoy_classes_read_the_painted_colour(test_split: ImageSet) -> None:
    classes = decoy_classes(test_split)
    has = test_split.decoy_masks.any(axis=(1, 2))
    assert ((classes >= 0) == has).all()
    colours = np.array([image[mask][0] for image, mask in zip(test_split.images[has], test_split.decoy_masks[has])])
    np.testing.assert_array_equal(test_split.decoy_palette[classes[has]], colours)
    assert decoy_classes(make_digits(classes=[0, 1], decoy=False, seed=0, max_per_class=10)["test"]) is None


@pytest.mark.parametrize("group_by", ["prediction", "label"])
def test_criticise_selects_per_class_and_describes_every_image(model, test_split: ImageSet, group_by: str) -> None:
    maps, predictions = posthoc(model, test_split, SaliencyConfig(extra_methods=[]))  # gradcam stored, input × gradient not
    config = CriticismConfig(prototypes=3, criticisms=2, group_by=group_by)
    report, shown = criticise(model, test_split, maps, predictions["predictions"], config)
    groups = predictions["predictions"] if group_by == "prediction" else test_split.labels
    decoys = decoy_classes(test_split)
    assert set(report["classes"]) == {test_split.class_names[k] for k in np.unique(groups)}
    for label, row in report["classes"].items():
        k = test_split.class_names.index(label)
        assert row["n_images"] == int((groups == k).sum())
        assert len(row["prototypes"]) == min(3, row["n_images"]) and len(row["criticisms"]) <= 2
        for item in row["prototypes"] + row["criticisms"]:
            i = item["test_index"]
            assert groups[i] == k and item["prediction"] == test_split.class_names[predictions["predictions"][i]]
            assert item["decoy_agrees"] == (None if decoys[i] < 0 else bool(decoys[i] == k))
            assert item["decoy_matches_label"] == (None if decoys[i] < 0 else bool(decoys[i] == test_split.labels[i]))
            assert set(item["decoy_share"]) == {"gradcam", "input_x_gradient"}
        assert all("witness" in c for c in row["criticisms"])
    assert set(shown.maps) == {"gradcam", "input_x_gradient"} and shown.maps["gradcam"].shape[1:] == test_split.images.shape[1:3]
    json.dumps(report)  # JSON-ready
    figure = criticism_plot(report, shown, "toy")
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == [f"{c}: {role}" for c in report["classes"] for role in ("prototypes", "criticisms")]
    shown_titles = [t.get_text() for t in figure.axes[0].texts if "→" in t.get_text()]
    assert len(shown_titles) == sum(len(r["prototypes"]) + len(r["criticisms"]) for r in report["classes"].values())


def test_stored_maps_are_read_and_missing_ones_computed_alike(model, test_split: ImageSet) -> None:
    everything, predictions = posthoc(model, test_split, SaliencyConfig(extra_methods=["input_x_gradient"]))
    config = CriticismConfig(prototypes=2, criticisms=1)
    stored = criticise(model, test_split, everything, predictions["predictions"], config)[1]
    computed = criticise(model, test_split, {"gradcam": everything["gradcam"]}, predictions["predictions"], config)[1]
    np.testing.assert_allclose(stored.maps["input_x_gradient"], computed.maps["input_x_gradient"], atol=1e-5)


def test_a_model_that_groups_by_decoy_colour_has_decoy_driven_prototypes() -> None:
    # Each item of class k either carries k's colour or not; a class's prototypes all carry it.
    labels = np.array([0] * 10 + [1] * 10)
    decoys = np.array([0] * 5 + [1] * 5 + [1] * 5 + [0] * 5)
    item = lambda agrees, correct=True: {"decoy_agrees": agrees, "correct": correct, "decoy_share": {"gradcam": 0.5}}  # noqa: E731
    classes = {
        "a": class_measures(
            0, labels == 0, labels, labels, decoys, {"prototypes": [item(True)] * 4, "criticisms": [item(False, False)]}, 1.0
        ),
        "b": class_measures(
            1, labels == 1, labels, labels, decoys, {"prototypes": [item(True)] * 3 + [item(False)], "criticisms": [item(True)]}, 1.0
        ),
    }
    assert classes["a"]["decoy_consistent_prototypes"] == 1.0 and classes["b"]["decoy_consistent_prototypes"] == 0.75
    assert classes["a"]["decoy_consistent_base_rate"] == 0.5 and classes["a"]["misclassified_criticisms"] == 1.0
    total = summary(classes, ["gradcam"])
    driven = total["decoy_driven_prototypes"]
    assert driven["value"] == pytest.approx(7 / 8) and driven["n"] == 8 and driven["base_rate"] == pytest.approx(0.5)
    assert driven["ci95"][0] < 7 / 8 < driven["ci95"][1] <= 1.0
    assert total["misclassified_criticisms"]["value"] == 0.5 and total["decoy_share"]["gradcam"]["prototypes"] == 0.5


def test_reports_tables_and_docs(model, test_split: ImageSet) -> None:
    maps, predictions = posthoc(model, test_split, SaliencyConfig(extra_methods=[]))
    report = criticise(model, test_split, maps, predictions["predictions"], CriticismConfig(prototypes=2, criticisms=1))[0]
    markdown = criticism_markdown({"toy": report, "other": report})
    assert "| toy | " in markdown and "| other | " in markdown and "## Per class" in markdown
    entries = metrics_entries(report)
    assert entries["decoy_driven_prototypes"] == report["summary"]["decoy_driven_prototypes"]
    assert set(entries["criticism"]["per_class"]) == set(report["classes"])
    metrics = {"models": {"toy": {"decoy_flip_rate": {"value": 0.5, "ci95": [0.4, 0.6]}, **entries}}}
    table = docs_table(metrics)
    assert table.startswith("| model | decoy-driven prototypes") and "| toy | " in table and "0.500 [0.400, 0.600]" in table
    assert "Not measured yet" in docs_table({"models": {"toy": {}}})
    doc = "before\n<!-- criticism-table: written by python -m trustcnn.criticism.docs -->\nold\n<!-- /criticism-table -->\nafter\n"
    assert with_table(doc, metrics) == doc.replace("old\n", table)
    with pytest.raises(ValueError, match="no block"):
        with_table("no markers", metrics)


def test_metrics_rows_carry_the_criticism_and_the_summary_shows_it_beside_the_flip_rate(model, test_split: ImageSet) -> None:
    maps, predictions = posthoc(model, test_split, SaliencyConfig(extra_methods=[]))
    report = criticise(model, test_split, maps, predictions["predictions"], CriticismConfig(prototypes=2, criticisms=1))[0]
    estimate = {"value": 0.5, "ci95": [0.4, 0.6]}
    metrics = {
        "models": {"baseline": {"accuracy": estimate, "decoy_flip_rate": estimate}},
        "champion": {"model": "baseline", "criterion": "x"},
    }
    with_criticism(metrics, {"baseline": report})
    row = metrics["models"]["baseline"]
    assert row["decoy_driven_prototypes"] == report["summary"]["decoy_driven_prototypes"]
    header = summary_table(metrics).splitlines()[2]
    assert [c.strip() for c in header.strip("|").split("|")][:4] == ["model", "accuracy", "decoy flip rate", "decoy-driven prototypes"]
