"""The champion: measurably less reliant on the decoy, no less accurate, and then the most
often right for a visible reason."""

from trustcnn.evaluation import choose_champion


def _row(accuracy, lo, right_accurate=None, flip_rate=None):
    row = {"accuracy": {"value": accuracy, "ci95": [lo, accuracy + 0.02]}}
    if right_accurate is not None:
        row["case_shares"] = {"overall": {"right_accurate": {"value": right_accurate}}}
    if flip_rate is not None:
        row["decoy_flip_rate"] = {"value": flip_rate, "ci95": [flip_rate - 0.05, flip_rate + 0.05]}
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


def test_with_decoys_a_champion_must_flip_measurably_less_than_the_baseline() -> None:
    models = {
        "baseline": _row(0.53, 0.46, 0.10, flip_rate=0.49),
        "no_decoy": _row(0.83, 0.78, 0.95, flip_rate=0.20),  # a reference, never a candidate
        "pretty_maps": _row(0.55, 0.49, 0.90, flip_rate=0.46),  # CI reaches the baseline's 0.49
        "less_reliant": _row(0.65, 0.59, 0.30, flip_rate=0.36),
    }
    champion = choose_champion(models)
    assert champion["model"] == "less_reliant"
    assert "flip rate" in champion["criterion"] and "no_decoy" in champion["criterion"]
    del models["less_reliant"]
    assert choose_champion(models)["model"] == "baseline"
