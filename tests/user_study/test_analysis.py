"""People's answers → preferred maps, Table 3 and κ, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from trustcnn.user_study.analysis import analyse, judgements, report_markdown
from trustcnn.user_study.store import Responses

KEY = {
    "study_id": "s",
    "method": "gradcam",
    "models": ["base", "good"],
    "items": {
        "i1": {
            "options": {"a": "base", "b": "good"},
            "correct": {"base": True, "good": True},
            "automatic_accurate": {"base": False, "good": True},
        },
        "i2": {
            "options": {"c": "good", "d": "base"},
            "correct": {"base": False, "good": True},
            "automatic_accurate": {"base": False, "good": True},
        },
    },
}


def _responses(answers: list[tuple[int, str, str]], backgrounds: dict[int, str]) -> Responses:
    participants = [
        {"participant_id": p, "study_id": "s", "cs_degree": cs, "knows_saliency": "no", "cv_experience": "no"}
        for p, cs in backgrounds.items()
    ]
    rows = [{"participant_id": p, "item_id": i, "choice": c} for p, i, c in answers]
    return Responses([{"study_id": "s"}], participants, rows)


def test_the_rule_by_hand() -> None:
    # Participant 1 picks the good map twice; 2 says "same" on i1 and picks the base map on i2.
    responses = _responses([(1, "i1", "b"), (1, "i2", "c"), (2, "i1", "same"), (2, "i2", "d")], {1: "yes", 2: "no"})
    arrays = judgements(responses, KEY)
    assert arrays["accurate.good"].tolist() == [True, True, True, False]
    assert arrays["accurate.base"].tolist() == [False, False, True, True]
    report = analyse(responses, KEY, n_resamples=200, seed=0)
    assert report["answers"] == 4 and report["participants"] == 2
    assert report["preferred"]["good"]["value"] == pytest.approx(0.5)
    assert report["preferred"]["same"]["value"] == pytest.approx(0.25)
    good = report["table3"]["good"]  # always right: accurate 3 of 4
    assert good["right_accurate"]["value"] == pytest.approx(0.75) and good["right_inaccurate"]["value"] == pytest.approx(0.25)
    base = report["table3"]["base"]  # right on i1 only
    assert base["right_accurate"]["value"] == pytest.approx(0.25)  # (2, i1, same)
    assert base["wrong_accurate"]["value"] == pytest.approx(0.25)  # (2, i2, d)
    assert report["by_background"]["cs_degree"]["yes"]["answers"] == 2
    assert report["by_background"]["cs_degree"]["no"]["table3"]["good"]["right_accurate"]["value"] == pytest.approx(0.5)
    # masks say good = accurate, base = not: people agree on 3 of 4 judgements per model.
    for model in ("good", "base"):
        people, masks = arrays[f"accurate.{model}"], arrays[f"masks.{model}"]
        assert (people == masks).mean() == pytest.approx(0.75 if model == "good" else 0.5)
    assert report["kappa_vs_masks"]["base"]["value"] == pytest.approx(0.0)
    markdown = report_markdown(report)
    assert "Table 3 as people judged it" in markdown and "| good | 0.750 [" in markdown and report["rule"] in markdown


def test_no_answers_is_an_empty_report_that_says_so() -> None:
    report = analyse(_responses([], {}), KEY)
    assert report["answers"] == 0 and "no responses yet" in report["note"]
    assert "no responses yet" in report_markdown(report)


def test_answers_to_another_study_are_left_out() -> None:
    responses = _responses([(1, "i1", "b")], {1: "yes"})
    responses.participants[0]["study_id"] = "older"
    assert analyse(responses, KEY)["answers"] == 0


def test_the_report_says_how_many_answers_other_studies_hold() -> None:
    # A re-sampled study: the database keeps the earlier sample's answers; the report counts them apart.
    responses = _responses([(1, "i1", "b"), (2, "x9", "same"), (2, "x8", "same")], {1: "yes", 2: "no"})
    responses.participants[1]["study_id"] = "older"
    responses.studies.insert(0, {"study_id": "older"})
    report = analyse(responses, KEY, n_resamples=50)
    assert report["answers"] == 1 and report["other_studies"] == {"older": 2}
    assert "Not counted here: 2 answers to study older" in report_markdown(report)
    assert "other_studies" not in analyse(_responses([(1, "i1", "b")], {1: "yes"}), KEY, n_resamples=50)


def test_kappa_is_one_for_perfect_agreement() -> None:
    from trustcnn.user_study.analysis import _kappa

    assert _kappa(np.array([True, False, True]), np.array([True, False, True])) == pytest.approx(1.0)
    assert np.isnan(_kappa(np.array([True, True]), np.array([True, True])))


def test_adversarial_items_are_analysed_apart() -> None:
    key = {**KEY, "items": {**KEY["items"], "i3": {**KEY["items"]["i1"], "adversarial": True}}}
    clean_only = _responses([(1, "i1", "b"), (1, "i2", "c")], {1: "yes"})
    with_attacked = _responses([(1, "i1", "b"), (1, "i2", "c"), (1, "i3", "a")], {1: "yes"})
    plain, report = analyse(clean_only, key, n_resamples=50), analyse(with_attacked, key, n_resamples=50)
    assert report["answers"] == 2 and report["table3"] == plain["table3"] and "adversarial" not in plain
    assert report["adversarial"]["answers"] == 1
    assert report["adversarial"]["preferred"]["base"]["value"] == pytest.approx(1.0)
    assert "Adversarial items, apart (1 answers)" in report_markdown(report)
