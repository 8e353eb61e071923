"""The project's ``kedro run`` (Kedro runs a package's ``cli.py`` commands in place of its
own, https://docs.kedro.org/en/stable/extend/common_use_cases/): Kedro's command with every
option it has, plus ``--verbose``; a user error ends it with one line per problem and no
traceback (:mod:`trustcnn.runtime.errors`). ``python -m trustcnn`` runs this command too."""

from __future__ import annotations

from typing import Any

import click
from kedro.framework.cli.project import run as kedro_run

from trustcnn.runtime.errors import DEBUG, reported

VERBOSE = click.Option(["--verbose", "-v"], is_flag=True, help=f"Show the traceback of a user error too (as {DEBUG}=1 does).")


@click.group(name="trustcnn")
def cli() -> None:
    """trustcnn's project commands."""


@cli.command(name="run", params=[*kedro_run.params, VERBOSE], help=kedro_run.help, short_help=kedro_run.short_help)
@click.pass_context
def run(ctx: click.Context, verbose: bool, **options: Any) -> Any:
    with reported(verbose):
        return ctx.invoke(kedro_run, **options)
