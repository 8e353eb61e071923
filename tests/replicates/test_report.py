"""summary.md, the generated sentences (sign-stable or mixed), the forest plot, and which
champion a run names."""

from __future__ import annotations

import logging

import pytest

from trustcnn.replicates.champion import follow_replicates
from trustcnn.replicates.report import conclusions, glance_table, summary_figure, summary_markdown
from trustcnn.replicates.summary import summarise

from .conftest import PARAMETERS

HEADLINE = ["accuracy", "gap_closed", "error_detection.conductance.auroc"]


@pytest.fixture
def summary(replicates: dict) -> dict:
    return summarise(replicates, PARAMETERS, HEADLINE)


def test_summary_markdown_says_what_the_interval_is_and_tabulates_every_headline_metric(summary: dict) -> None:
    text = summary_markdown(summary)
    assert "t-interval of the mean over seeds (Student's t, n − 1 degrees of freedom)" in text
    assert "| good | 0.650 ± 0.010 | [0.625, 0.675] | +0.100 [+0.100, +0.100] | 3/3 | 0.640, 0.650, 0.660 |" in text
    assert "## AUROC, conductance detector (`error_detection.conductance.auroc`)" in text
    assert "Champion across seeds: **good**" in text and "seed 0: mixed" in text


def test_headline_table_counts_the_seeds_a_model_beats_the_baseline_in(summary: dict) -> None:
    table = glance_table(summary)
    assert "| good | 0.650 ± 0.010 [0.625, 0.675] (3/3) |" in table
    assert "| mixed | 0.550 ± 0.030 [0.475, 0.625] (1/3) |" in table
    assert "| baseline | 0.550 ± 0.010 [0.525, 0.575] |" in table  # the reference beats no one


def test_sentences_say_sign_stable_only_where_every_seed_agrees_and_the_interval_excludes_zero(summary: dict) -> None:
    found = conclusions(summary)
    assert any(s.startswith("`good`: gap closed higher than the baseline's in 3/3 seeds — better") for s in found["sign_stable"])
    assert any(s.startswith("`good`: flip rate lower than the baseline's in 3/3 seeds — better") for s in found["sign_stable"])
    assert not any("`mixed`" in s for s in found["sign_stable"])
    assert any(
        s.startswith("`mixed`: gap closed mixed — higher than the baseline's in 1/2 seeds") and "includes 0" in s for s in found["mixed"]
    )


def test_forest_plot_has_a_row_per_compared_model(summary: dict) -> None:
    figure = summary_figure(summary)
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["good", "mixed"]
    assert axes.get_title() == "gap closed across 3 seed(s)"


def test_a_run_follows_a_current_summary_and_keeps_its_own_pick_beside_it(summary: dict) -> None:
    own = {"model": "mixed", "criterion": "single seed"}
    champion = follow_replicates(own, summary, {**PARAMETERS, "seed": 7}, models={"good": {}, "mixed": {}})
    assert champion["model"] == "good" and champion["seeds"] == [0, 1, 2] and champion["this_seed"] == own


def test_a_stale_summary_never_picks_the_champion_and_the_log_says_why(summary: dict, caplog: pytest.LogCaptureFixture) -> None:
    own = {"model": "mixed", "criterion": "single seed"}
    other = {**PARAMETERS, "data": {"seed": 0, "classes": [0, 1, 2]}}
    with caplog.at_level(logging.WARNING):
        assert follow_replicates(own, summary, other, models={"good": {}, "mixed": {}}) == own
    assert "made with other parameters (made with → now: data.classes: [0, 1] → [0, 1, 2])" in caplog.text
    assert follow_replicates(own, None, PARAMETERS, models={"good": {}}) == own
    assert follow_replicates(own, summary, PARAMETERS, models={"mixed": {}}) == own  # its pick isn't a model here
