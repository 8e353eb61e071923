"""Adversarial examples (Cisse et al. 2017's second use of explanations): FGSM and PGD in plain
torch, accuracy under attack, how far the maps move, and whether the error detectors flag
the adversarial images."""

from trustcnn.robustness.attacks import fgsm, pgd
from trustcnn.robustness.report import (
    adversarial_image_set,
    attack_batches,
    attack_report,
    attacked,
    attacks,
    flagging,
    robustness,
    strongest_pgd,
)

__all__ = [
    "adversarial_image_set",
    "attack_batches",
    "attack_report",
    "attacked",
    "attacks",
    "fgsm",
    "flagging",
    "pgd",
    "robustness",
    "strongest_pgd",
]
