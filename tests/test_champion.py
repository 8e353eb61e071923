"""The champion: the most often right-for-a-visible-reason model that keeps its accuracy."""

from trustcnn.evaluation import choose_champion


def _row(accuracy, lo, right_accurate=None):
    row = {"accuracy": {"value": accuracy, "ci95": [lo, accuracy + 0.02]}}
    if right_accurate is not None:
        row["case_shares"] = {"overall": {"right_accurate": {"value": right_accurate}}}
    return row


def test_most_right_and_accurate_wins_unless_it_lost_accuracy() -> None:
    models = {
        "baseline": _row(0.87, 0.83, 0.15),
        "trust_mask": _row(0.95, 0.92, 0.89),
        "collapsed": _row(0.40, 0.35, 0.95),  # below the baseline's CI: not eligible
        "trust_gradcam": _row(0.93, 0.90, 0.04),
    }
    assert choose_champion(models)["model"] == "trust_mask"
    del models["trust_mask"]
    assert choose_champion(models)["model"] == "baseline"


def test_without_masks_the_most_accurate_model_wins() -> None:
    models = {"baseline": _row(0.87, 0.83), "a": _row(0.91, 0.88), "b": _row(0.89, 0.85)}
    champion = choose_champion(models)
    assert champion["model"] == "a" and "right_accurate" in champion["criterion"]
