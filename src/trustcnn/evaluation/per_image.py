"""Per-image scores by name: the one place a score of each test image is registered, and the one
list that scoring (:mod:`.scores`), the estimates (:mod:`.compare`: metrics.json's rows, hence
each model's MLflow ``test_<row>``), the tables (:mod:`.tables`) and the headline numbers
(:mod:`.headline`: ``dvc metrics show`` and the evaluation run's ``<model>.<headline>``) read.

A new score is a function of :class:`Inputs` returning ``[n]`` values (in
:mod:`trustcnn.metrics`) and one :func:`register` call below.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from trustcnn.data import ImageSet
from trustcnn.metrics import case_shares, decoy_share, energy_in_mask, mean_ci, pointing_game, ssim_per_image, thresholded_iou

Scores = dict[str, np.ndarray]
Need = Literal["masks", "decoys", "sanity"]


@dataclass
class Inputs:
    """What a score reads for one block of test images (``rows``); maps are upsampled to the
    image size. ``maps`` are the maps scored (a method's, for a score on every method; else the
    compared method's), ``compared`` the compared method's, ``reference`` the reference model's
    maps of the compared method, ``sanity_maps`` the sanity check's (or ``None``); ``scores``
    this block's scores computed so far (``<method>.<name>`` for scores on every method)."""

    test: ImageSet
    rows: slice
    method: str
    maps: np.ndarray
    compared: np.ndarray
    reference: np.ndarray
    sanity_maps: np.ndarray | None
    scores: Scores
    iou_threshold: float
    accurate_energy: float

    def scoring(self, maps: np.ndarray) -> Inputs:
        """The same block with other ``maps`` to score (the images and masks read once)."""
        other = copy.copy(self)
        other.maps = maps
        return other

    @property
    def sanity(self) -> np.ndarray:
        assert self.sanity_maps is not None  # a score reads them only when it needs "sanity"
        return self.sanity_maps

    @cached_property
    def images(self) -> np.ndarray:
        return np.asarray(self.test.images[self.rows])

    @cached_property
    def labels(self) -> np.ndarray:
        return np.asarray(self.test.labels[self.rows])

    @cached_property
    def masks(self) -> np.ndarray:
        assert self.test.masks is not None  # a score reads masks only when it needs them
        return np.asarray(self.test.masks[self.rows])

    @cached_property
    def decoy_masks(self) -> np.ndarray:
        assert self.test.decoy_masks is not None  # a score reads decoys only when it needs them
        return np.asarray(self.test.decoy_masks[self.rows])


@dataclass(frozen=True)
class Context:
    """What summarising a model's values may read besides them: the test split, all of the
    model's per-image ``scores`` (``correct`` among them) and the bootstrap's settings."""

    test: ImageSet
    scores: Mapping[str, np.ndarray]
    n_resamples: int
    seed: int


def mean(values: np.ndarray, context: Context) -> dict:
    """The mean (a proportion, for booleans) with its 95% bootstrap CI; NaNs left out."""
    return mean_ci(values, n_resamples=context.n_resamples, seed=context.seed)


def four_cases(accurate: np.ndarray, context: Context) -> dict:
    """Table 3's shares of the four cases (label right/wrong × map accurate or not)."""
    test = context.test
    return case_shares(
        context.scores["correct"], accurate, test.labels, test.class_names, n_resamples=context.n_resamples, seed=context.seed
    )


@dataclass(frozen=True)
class PerImageScore:
    """One per-image score and where its estimate shows.

    ``values(inputs)``: ``[n]`` values for one block. ``on``: ``"compared"`` (the compared
    method's maps; row key ``rows``), ``"by_method"`` (every method's maps; the compared
    method's under ``rows``, the others' under ``by_method.<method>``), ``"each"`` (every
    method's maps; ``<row>_<method>`` for each) or ``"scores"`` (reads the block's other scores,
    computed after them). ``needs``: scored only when the test split has them (a score that
    needs decoys is reported with the reliance estimates). ``summary``: values → estimate.
    ``rows``: its names in metrics.json's row (default: ``name``). ``column``: its column in
    the printed summary (metrics.md), read at ``column_path`` (default: its first row).
    ``headline``: its column in ``headline/<model>.json`` (``dvc metrics show``, MLflow
    ``<model>.<headline>``). ``table1``: a column of Table 1 (of its reliance part, when it needs
    decoys)."""

    name: str
    values: Callable[[Inputs], np.ndarray]
    on: Literal["compared", "by_method", "each", "scores"] = "compared"
    needs: tuple[Need, ...] = ()
    summary: Callable[[np.ndarray, Context], Any] = mean
    rows: tuple[str, ...] = ()
    column: str | None = None
    column_path: tuple[str, ...] = ()
    headline: str | None = None
    table1: bool = False

    @property
    def row_keys(self) -> tuple[str, ...]:
        return self.rows or (self.name,)

    @property
    def shown_at(self) -> tuple[str, ...]:
        """Where in a model's row the summary table reads it."""
        return self.column_path or self.row_keys[:1]

    @property
    def per_method(self) -> bool:
        return self.on in ("by_method", "each")


SCORES: dict[str, PerImageScore] = {}


def register(score: PerImageScore) -> PerImageScore:
    """Make ``score`` computed for every model and reported where it says."""
    SCORES[score.name] = score
    return score


def scored(test: ImageSet, has_sanity: bool) -> list[PerImageScore]:
    """The registered scores this test split (and the sanity check's maps) allow, in order."""
    has = {"masks": test.masks is not None, "decoys": test.has_decoys, "sanity": has_sanity}
    return [score for score in SCORES.values() if all(has[need] for need in score.needs)]


for _score in (
    PerImageScore("ssim_vs_baseline", lambda i: ssim_per_image(i.maps, i.reference), table1=True),
    PerImageScore("sanity_ssim", lambda i: ssim_per_image(i.maps, i.sanity), needs=("sanity",)),
    PerImageScore(
        "energy_in_mask",
        lambda i: energy_in_mask(i.maps, i.masks),
        on="by_method",
        needs=("masks",),
        rows=("energy_in_mask", "energy_pointing_game"),
        column="energy in mask",
        headline="energy",
        table1=True,
    ),
    PerImageScore("pointing_game", lambda i: pointing_game(i.maps, i.masks), on="by_method", needs=("masks",)),
    PerImageScore("iou", lambda i: thresholded_iou(i.maps, i.masks, i.iou_threshold), on="by_method", needs=("masks",)),
    PerImageScore("decoy_share", lambda i: decoy_share(i.maps, i.decoy_masks), on="each", needs=("decoys",), table1=True),
    PerImageScore(
        "accurate",
        lambda i: i.scores[f"{i.method}.energy_in_mask"] >= i.accurate_energy,
        on="scores",
        needs=("masks",),
        summary=four_cases,
        rows=("case_shares",),
        column="right & accurate",
        column_path=("case_shares", "overall", "right_accurate"),
    ),
):
    register(_score)
