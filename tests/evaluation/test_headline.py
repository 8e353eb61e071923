from trustcnn.evaluation import headline


def _estimate(value: float | None, low: float = 0.0, high: float = 1.0) -> dict:
    return {"value": value, "ci95": [low, high]}


def test_a_few_rounded_numbers_per_model_and_the_champion_flagged() -> None:
    row = {
        "accuracy": _estimate(0.123456, 0.1, 0.2),
        "decoy_drop": _estimate(0.3),
        "gap_closed": _estimate(None),
        "decoy_flip_rate": _estimate(0.25),
        "energy_in_mask": _estimate(0.5),
        "ssim_vs_baseline": _estimate(1.0),
        "decoy_driven_prototypes": {**_estimate(0.62512), "n": 40, "base_rate": 0.2},
    }
    metrics = {"models": {"baseline": row, "rrr": row}, "champion": {"model": "rrr"}}
    rows = headline(metrics)
    assert rows["baseline"] == {
        "accuracy": 0.1235,
        "acc_lo": 0.1,
        "acc_hi": 0.2,
        "decoy_drop": 0.3,
        "gap_closed": None,
        "flip_rate": 0.25,
        "decoy_driven_prototypes": 0.6251,
        "energy": 0.5,
        "champion": False,
    }
    assert rows["rrr"]["champion"] is True and list(rows) == ["baseline", "rrr"]
