from trustcnn.evaluation import summary_table


def _estimate(value: float, low: float, high: float) -> dict:
    return {"value": value, "ci95": [low, high]}


def test_the_printed_summary_is_compact_and_names_the_champion() -> None:
    row = {
        "accuracy": _estimate(0.5, 0.45, 0.55),
        "energy_in_mask": _estimate(0.25, 0.2, 0.3),
        "energy_pointing_game": _estimate(0.25, 0.2, 0.3),
        "precision": _estimate(0.5, 0.4, 0.6),
        "case_shares": {"overall": {"right_accurate": _estimate(0.1, 0.05, 0.15)}},
    }
    report = {"models": {"trust_guided_gradcam": row, "rrr": row}, "champion": {"model": "rrr", "criterion": "by a rule " * 30}}
    text = summary_table(report)
    lines = text.splitlines()
    assert lines[2] == "| model                | accuracy         | energy in mask   | right & accurate |"
    assert lines[4] == "| trust_guided_gradcam | 0.50 [0.45,0.55] | 0.25 [0.20,0.30] | 0.10 [0.05,0.15] |"
    assert "pointing" not in lines[2] and "precision" not in lines[2]  # one column per question; no decoy, no decoy columns
    assert "Champion (@champion in the MLflow registry): rrr" in lines
    assert max(len(line) for line in lines) <= 120


def test_reliance_methods_reads_trust_blocks_as_dicts_or_as_validated_models() -> None:
    from trustcnn.config import SaliencyConfig, TrustConfig
    from trustcnn.evaluation.tables import reliance_methods

    saliency = SaliencyConfig(method="gradcam", extra_methods=["input_x_gradient", "gradcam"])
    as_yaml = {"trust_variants": ["a"], "human_mask_variants": ["b"], "a": {"trust": {"saliency_method": "input_x_gradient"}}, "b": {}}
    validated = {**as_yaml, "a": {"trust": TrustConfig(saliency_method="input_x_gradient")}}
    assert reliance_methods(saliency, as_yaml) == reliance_methods(saliency, validated) == ["gradcam"]
    untrained = {**as_yaml, "a": {"trust": TrustConfig(saliency_method="gradcam")}}
    assert reliance_methods(saliency, untrained) == ["input_x_gradient", "gradcam"]
