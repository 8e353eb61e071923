"""What a model's prototypes and criticisms say, per class and in one number per model.

- *Decoy-consistent prototypes*: the share of a class's prototypes (those that carry a decoy)
  whose decoy has the class's own colour, beside the *base rate*: the share of the test
  split's decoys painted in that colour (≈ 1/K: test decoys take a random class's colour),
  what a selection blind to the decoy would show. Among the images a model *calls* k (the
  default grouping), a model that learnt the colour gathers the k-coloured decoys, and its
  prototypes carry them; a model that learnt the object shows the base rate. Pooled over
  classes this is the model's **decoy-driven prototypes**.
- *Misclassified criticisms*: the share of criticisms the model gets wrong, beside the
  error rate of the class's images (grouped by prediction: 1 − the class's precision).
- Pooled, each base rate is what images drawn at random within the same classes, as many per
  class as were selected, would score.
- The decoy's share of the selected images' maps (mean over prototypes and over criticisms).

Shares over the selected images carry Wilson intervals (:func:`trustcnn.metrics.proportion_ci`):
how far a count of a few dozen prototypes pins the share down. Training variance is not in
them; the across-seed aggregate adds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from trustcnn.metrics import proportion_ci

ROLES = ("prototypes", "criticisms")


def _share(flags: Sequence[bool]) -> float | None:
    return None if not flags else float(np.mean(flags))


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return None if not present else float(np.mean(present))


def class_measures(
    k: int,
    members: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    decoys: np.ndarray | None,
    items: Mapping[str, list[dict]],
    gamma: float,
) -> dict:
    """One class's entry of the report: its selected ``items`` (``prototypes``,
    ``criticisms``, each with ``decoy_agrees``: its decoy has colour ``k``) and what they say
    against the test images it was chosen from (``members``, a boolean mask)."""
    carrying = None if decoys is None else decoys >= 0
    protos = [p["decoy_agrees"] for p in items["prototypes"] if p["decoy_agrees"] is not None]
    methods = items["prototypes"][0]["decoy_share"] if items["prototypes"] else {}
    return {
        "n_images": int(members.sum()),
        "gamma": gamma,
        "decoy_consistent_prototypes": _share(protos),
        "decoy_consistent_base_rate": None
        if decoys is None or carrying is None or not carrying.any()
        else float(np.mean(decoys[carrying] == k)),
        "misclassified_criticisms": _share([not c["correct"] for c in items["criticisms"]]),
        "error_rate": float(np.mean(predictions[members] != labels[members])),
        "decoy_share": {m: {role: _mean([i["decoy_share"][m] for i in items[role]]) for role in ROLES} for m in methods},
        **items,
    }


def summary(classes: Mapping[str, dict], methods: Sequence[str]) -> dict:
    """The model's numbers, pooled over classes: ``decoy_driven_prototypes`` (with its base
    rate over the same classes' test images), ``misclassified_criticisms`` (with the error
    rate), and the decoy share of the selected images' maps per method."""
    protos = [p for c in classes.values() for p in c["prototypes"]]
    crits = [c for row in classes.values() for c in row["criticisms"]]
    carrying = [p["decoy_agrees"] for p in protos if p["decoy_agrees"] is not None]
    return {
        "decoy_driven_prototypes": {
            **proportion_ci(sum(carrying), len(carrying)),
            "base_rate": _expected(classes, "decoy_consistent_base_rate", "prototypes", lambda p: p["decoy_agrees"] is not None),
        },
        "misclassified_criticisms": {
            **proportion_ci(sum(not c["correct"] for c in crits), len(crits)),
            "error_rate": _expected(classes, "error_rate", "criticisms", lambda c: True),
        },
        "decoy_share": {
            m: {role: _mean([i["decoy_share"][m] for i in (protos if role == "prototypes" else crits)]) for role in ROLES} for m in methods
        },
    }


def _expected(classes: Mapping[str, dict], rate: str, role: str, counts: Callable[[dict], bool]) -> float | None:
    """What images drawn at random within each class, as many per class as were selected
    (and count), would score: the classes' ``rate`` weighted by their selected ``role`` items."""
    pairs = [(row[rate], sum(map(counts, row[role]))) for row in classes.values() if row[rate] is not None]
    weights = sum(w for _, w in pairs)
    return None if weights == 0 else float(sum(r * w for r, w in pairs) / weights)
