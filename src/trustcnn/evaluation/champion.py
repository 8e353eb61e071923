"""The champion: the model the registry's ``champion`` alias marks — by the single-seed rule
(:func:`choose_champion`, one run's bootstrap CIs) or, when replicates exist, by the rule across
seeds (:func:`choose_champion_across_seeds`, t-intervals over the seeds)."""

from __future__ import annotations

from collections.abc import Mapping

REFERENCE = "baseline"
NO_DECOY = "no_decoy"
"""The reference trained like the baseline on the same images without their decoys."""

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


ACROSS_SEEDS_CRITERION = (
    f"across the replicates' seeds (mean and 95% t-interval over seeds): among the models trained on the decoyed "
    f"data whose mean accuracy is not below the lower end of the {REFERENCE}'s t-interval and, when the test "
    f"images carry decoys, whose decoy flip rate's t-interval lies below the {REFERENCE}'s mean flip rate: the "
    "highest mean share of test images classified right with an accurate map (Table 3's right_accurate); ties "
    f"and data without masks: mean accuracy. The {REFERENCE} always qualifies; the {NO_DECOY} reference never competes"
)
RIGHT_ACCURATE = "case_shares.overall.right_accurate"


def choose_champion_across_seeds(models: Mapping[str, Mapping[str, Mapping]]) -> dict | None:
    """:data:`ACROSS_SEEDS_CRITERION` on a summary's models (``{model: {metric: {"mean", "ci95",
    …}}}``, :func:`trustcnn.replicates.summary.summarise`); ``None`` when the baseline's accuracy
    has no interval (fewer than two seeds)."""
    reference = models[REFERENCE]
    if reference["accuracy"].get("ci95") is None:
        return None
    floor = reference["accuracy"]["ci95"][0]

    def qualifies(name: str) -> bool:
        row = models[name]
        if name == REFERENCE:
            return True
        if name == NO_DECOY or row["accuracy"]["mean"] is None or row["accuracy"]["mean"] < floor:
            return False
        flips = row.get("decoy_flip_rate")
        if flips is None:
            return True
        return flips.get("ci95") is not None and flips["ci95"][1] < reference["decoy_flip_rate"]["mean"]

    def key(name: str) -> tuple[float, float]:
        trusted = models[name].get(RIGHT_ACCURATE, {}).get("mean")
        return trusted or 0.0, models[name]["accuracy"]["mean"]

    best = max((name for name in models if qualifies(name)), key=key)
    return {"model": best, "criterion": ACROSS_SEEDS_CRITERION}
