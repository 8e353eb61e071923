"""The champion: the model the registry's ``champion`` alias marks."""

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
