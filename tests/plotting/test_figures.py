import numpy as np
import pytest
from matplotlib.figure import Figure

from trustcnn.plotting.confusion import confusion_figure
from trustcnn.plotting.curves import training_curves
from trustcnn.plotting.overlays import overlay_grid


def _overlay_inputs(n=5, size=32, map_size=8):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    maps = {"baseline": rng.random((n, map_size, map_size)), "trust": rng.random((n, size, size))}
    labels = rng.integers(0, 2, n)
    predictions = {"baseline": 1 - labels, "trust": labels}
    return images, maps, labels, predictions


@pytest.mark.parametrize("with_masks", [False, True])
def test_overlay_grid_layout_and_png(tmp_path, with_masks):
    images, maps, labels, predictions = _overlay_inputs()
    masks = None
    if with_masks:
        masks = np.zeros(images.shape[:3], bool)
        masks[:, 8:20, 8:20] = True
    fig = overlay_grid(images, maps, labels, predictions, ["cat", "dog"], masks=masks, n=3, method="gradcam")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3 * (1 + len(maps)) + 1  # and the colour bar
    assert fig.axes[1].get_title().endswith("✗") and fig.axes[2].get_title().endswith("✓")
    assert fig.get_suptitle().startswith("gradcam maps of baseline, trust on the first 3 test images")
    assert "gradcam" in fig.axes[-1].get_ylabel()
    fig.savefig(tmp_path / "overlay.png")
    assert (tmp_path / "overlay.png").stat().st_size > 0


def test_overlay_grid_rejects_mismatched_models():
    images, maps, labels, predictions = _overlay_inputs()
    del predictions["trust"]
    with pytest.raises(ValueError, match="same models"):
        overlay_grid(images, maps, labels, predictions, ["cat", "dog"])


def _history(extra: bool):
    rows = []
    for epoch in range(1, 6):
        row = {
            "epoch": epoch,
            "train_loss": 1 / epoch,
            "val_loss": 1.1 / epoch,
            "train_accuracy": 1 - 0.5 / epoch,
            "val_accuracy": 1 - 0.6 / epoch,
        }
        if extra:
            row.update(loss_ce=0.9 / epoch, penalty_wrong=0.2 / epoch, penalty_right=0.1)
        rows.append(row)
    return rows


@pytest.mark.parametrize("extra, n_axes", [(False, 2), (True, 3)])
def test_training_curves_groups(tmp_path, extra, n_axes):
    fig = training_curves(_history(extra), "run")
    assert len(fig.axes) == n_axes
    assert len(fig.axes[0].get_lines()) == (3 if extra else 2)
    fig.savefig(tmp_path / "curves.png")


def test_training_curves_accepts_column_form_with_gaps(tmp_path):
    history = {"train_loss": [1.0, 0.5, 0.3], "val_loss": [1.1, None, 0.4]}
    fig = training_curves(history, "columns")
    assert len(fig.axes) == 1
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_xdata(), [1, 2, 3])
    fig.savefig(tmp_path / "curves.png")


def test_confusion_figure(tmp_path):
    cm = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 0]])
    fig = confusion_figure(cm, ["a", "b", "c"], "cm")
    assert len(fig.axes) == 2  # matrix + colour bar
    assert [t.get_text() for t in fig.axes[0].texts][:2] == ["5", "1"]
    fig.savefig(tmp_path / "cm.png")
    with pytest.raises(ValueError, match="shape"):
        confusion_figure(cm, ["a", "b"], "cm")


def test_case_examples_figure_has_a_row_per_case(tmp_path):
    from trustcnn.metrics import CASES, case_examples
    from trustcnn.plotting.case_examples import case_examples_figure

    rng = np.random.default_rng(1)
    n = 6
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    masks = np.zeros((n, 32, 32), bool)
    masks[:, 10:20, 10:20] = True
    maps = rng.random((n, 8, 8))
    labels = np.array([0, 1, 0, 1, 0, 1])
    predictions = np.array([0, 1, 1, 1, 0, 0])
    energy = rng.random(n)
    examples = case_examples(predictions == labels, energy, 0.5, k=1)
    fig = case_examples_figure(images, masks, maps, labels, predictions, energy, examples, ["cat", "dog"], "m", "gradcam")
    assert len(fig.axes) == len(CASES) * 2 + 1  # and the colour bar
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert sum(len(e["best"]) + len(e["worst"]) for e in examples.values()) == len(titled)
    assert "gradcam" in fig.axes[-1].get_ylabel()
    fig.savefig(tmp_path / "cases.png")


def test_an_empty_case_says_so() -> None:
    from trustcnn.metrics import CASES
    from trustcnn.plotting.case_examples import case_examples_figure

    images, masks = np.zeros((2, 8, 8, 3), np.uint8), np.ones((2, 8, 8), bool)
    examples = {case: {"best": [], "worst": []} for case in CASES} | {CASES[0]: {"best": [0], "worst": [1]}}
    fig = case_examples_figure(images, masks, np.zeros((2, 8, 8)), np.zeros(2, int), np.zeros(2, int), np.ones(2), examples, ["a"], "m")
    empty_row = fig.axes[2:4]  # the second case: no test image in it
    assert [text.get_text() for text in empty_row[0].texts] == ["no images in this case"]
    assert empty_row[0].get_ylabel() == CASES[1].replace("_", "\n") and not empty_row[1].axison
