"""The summary across seeds: generic metrics, t-intervals, paired differences, the champion, staleness."""

from __future__ import annotations

import math

import pytest
from scipy.stats import t as student_t

from trustcnn.replicates.parameters import differences, experiment_parameters
from trustcnn.replicates.summary import StaleReplicates, direction, estimates, select, summarise

from .conftest import PARAMETERS, metrics, replicate

HEADLINE = ["accuracy", "gap_closed"]


def test_every_estimate_of_a_row_is_read_by_its_path_whatever_its_name() -> None:
    row = metrics(0)["models"]["good"] | {"decoy_driven_prototypes": {"share": {"value": 0.3, "ci95": [0.2, 0.4]}}}
    found = estimates(row)
    assert found["case_shares.overall.right_accurate"] == pytest.approx(0.19)
    assert found["error_detection.conductance.auroc"] == pytest.approx(0.8)
    assert found["decoy_driven_prototypes.share"] == 0.3  # a metric this code has never heard of
    assert not any("per_class" in path or path.endswith("coverage") for path in found)


def test_mean_sd_and_t_interval_over_seeds(replicates: dict) -> None:
    summary = summarise(replicates, PARAMETERS, HEADLINE)
    stats = summary["models"]["good"]["accuracy"]
    values = [0.64, 0.65, 0.66]
    assert stats["values"] == pytest.approx(values) and stats["n"] == 3
    assert stats["mean"] == pytest.approx(0.65) and stats["sd"] == pytest.approx(0.01)
    half = student_t.ppf(0.975, 2) * 0.01 / math.sqrt(3)
    assert stats["ci95"] == pytest.approx([0.65 - half, 0.65 + half])
    assert "t-interval" in summary["interval"]
    assert summary["seeds"] == [0, 1, 2] and summary["source_backbone"]["accuracy"]["mean"] == pytest.approx(0.91)


def test_paired_differences_and_seeds_where_the_model_is_better(replicates: dict) -> None:
    models = summarise(replicates, PARAMETERS, HEADLINE)["models"]
    good, mixed = models["good"], models["mixed"]
    assert good["accuracy"]["vs_baseline"]["differences"] == pytest.approx([0.1, 0.1, 0.1])
    assert good["accuracy"]["vs_baseline"]["better_in"] == 3
    assert good["decoy_flip_rate"]["vs_baseline"]["better_in"] == 3  # lower is better
    assert mixed["accuracy"]["vs_baseline"]["better_in"] == 1  # seed 0 only (differences +0.04, 0, −0.04)
    # gap closed is undefined for `mixed` at seed 1: left out of n, never counted as a win or a loss
    assert mixed["gap_closed"]["values"][1] is None and mixed["gap_closed"]["n"] == 2
    assert good["ssim_vs_baseline"]["vs_baseline"]["better_in"] is None  # no better side
    assert "vs_baseline" not in models["baseline"]["accuracy"]


def test_direction_of_known_metrics() -> None:
    assert direction("gap_closed") == direction("error_detection.combined.auroc") == "higher"
    assert direction("decoy_flip_rate") == direction("decoy_share_input_x_gradient") == "lower"
    assert direction("ssim_vs_baseline") is None and direction("bias.gradcam.overall.decoy") is None


def test_champion_across_seeds_and_each_seeds_own_pick(replicates: dict) -> None:
    summary = summarise(replicates, PARAMETERS, HEADLINE)
    assert summary["champion"]["model"] == "good"
    assert "t-interval" in summary["champion"]["criterion"]
    assert summary["single_seed_champions"] == {"0": "mixed", "1": "good", "2": "good"}


def test_no_champion_from_one_seed(replicates: dict) -> None:
    assert summarise({0: replicates[0]}, PARAMETERS, HEADLINE)["champion"] is None
    assert summarise({}, PARAMETERS, HEADLINE)["models"] == {}


def test_select_keeps_listed_finished_seeds_and_names_the_missing_ones(replicates: dict) -> None:
    finished, missing = select(replicates, [2, 0, 7], PARAMETERS)
    assert list(finished) == [2, 0] and missing == [7]


def test_a_replicate_made_with_other_parameters_is_refused_naming_what_differs(replicates: dict) -> None:
    other = {**PARAMETERS, "data": {"seed": 0, "classes": [0, 1, 2]}}
    replicates[1] = replicate(1, other)
    with pytest.raises(StaleReplicates, match=r"seed_1: data.classes: \[0, 1, 2\] → \[0, 1\]"):
        select(replicates, [0, 1, 2], PARAMETERS)


def test_seeds_and_the_replicate_block_are_not_what_an_experiment_is_made_from() -> None:
    a = experiment_parameters({**PARAMETERS, "seed": 3, "data": {"seed": 3, "classes": [0, 1]}, "replicate": {"seeds": [9]}})
    assert a == experiment_parameters(PARAMETERS)
    assert differences({"a": {"b": 1}}, {"a": {"b": 2}, "c": 3}) == ["a.b: 1 → 2", "c: – → 3"]


def test_a_block_kedro_validated_reads_as_configured() -> None:
    """Kedro hands the blocks the running pipelines type as models (another pipeline: raw dicts):
    both must give the same experiment parameters, or every replicate would look stale."""
    from trustcnn.config import RobustnessConfig

    raw = {"robustness": {"fgsm_eps_255": [2, 8], "pgd_steps": 5, "seed": 0}}
    typed = {"robustness": RobustnessConfig(**raw["robustness"])}
    assert experiment_parameters(typed) == experiment_parameters(raw) == {"robustness": {"fgsm_eps_255": [2.0, 8.0], "pgd_steps": 5.0}}
