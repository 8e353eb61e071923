"""`trustcnn replicate` finds each environment's replicates and reads DVC's queue messages."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from trustcnn.replicates.cli import QUEUED, RUNNERS, replicates_file

PROJECT = Path(__file__).resolve().parents[2]


def test_each_environment_has_its_replicates_file_or_a_clear_error() -> None:
    assert replicates_file(PROJECT, None) == replicates_file(PROJECT, "local") == PROJECT / "replicates/dvc.yaml"
    assert replicates_file(PROJECT, "decoy_fashion") == PROJECT / "replicates/decoy_fashion/dvc.yaml"
    with pytest.raises(click.ClickException, match="replicates/smoke/dvc.yaml does not exist"):
        replicates_file(PROJECT, "smoke")


def test_runner_arguments_and_queued_names() -> None:
    assert RUNNERS["sequential"] == "" and RUNNERS["parallel"].startswith("--runner=ParallelRunner --runner-params=max_workers=")
    assert QUEUED.findall("Queued experiment 'plush-aril' for future execution.\n") == ["plush-aril"]
