"""A replicate records what it was made from; the aggregate reads every finished replicate and
writes the evidence across seeds (summary.json, summary.md, the forest plot)."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from trustcnn import tracking
from trustcnn.config import ReplicateConfig
from trustcnn.replicates.parameters import record
from trustcnn.replicates.report import summary_figure, summary_markdown
from trustcnn.replicates.summary import Replicate, select, summarise
from trustcnn.runtime.errors import ParameterError


def record_replicate(parameters: dict[str, Any], replicate: ReplicateConfig) -> dict[str, Any]:
    """This replicate's seed, its parameters with the seeds aside, and the machine it ran on."""
    if not replicate.active:
        raise ParameterError("the replicate pipeline is one replicate's run: --params=seed=<N>,replicate.active=true")
    return record(parameters)


def aggregate_replicates(
    replicates: dict[int, Replicate], parameters: dict[str, Any], replicate: ReplicateConfig
) -> tuple[dict[str, Any], str, Figure]:
    """The summary across the finished replicates of ``replicate.seeds`` (an error names any made
    with other parameters than the current ones), in JSON and Markdown, and its forest plot."""
    if replicate.active:
        raise ParameterError("the aggregate reads every replicate: run it without replicate.active")
    finished, missing = select(replicates, replicate.seeds, parameters)
    summary = summarise(finished, parameters, replicate.headline, missing)
    return summary, summary_markdown(summary), summary_figure(summary)


def log_replicates(summary: dict[str, Any], summary_md: str, forest: Any) -> None:
    """The summary, its Markdown and the forest plot into this run, tagged with the seeds and the champion."""
    tracking.log_replicates(summary, summary_md, forest)
