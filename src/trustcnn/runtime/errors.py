"""Errors that are the user's to fix, and how a command reports them: one line each, no
traceback (docs/failures.md lists every case).

A :class:`UserError` — a parameter, a data file, an artefact made from other data, a bad
image folder, an unknown model, a busy project or database … — carries its whole report
in its message, one line per problem, naming what to change (the parameter and its value,
the file, the command that fixes it). :func:`reported` turns one raised anywhere under a
command (also as the cause of another exception, e.g. Kedro's ``DatasetError``) into those
lines on stderr and exit status 1. Anything else is a bug and keeps its traceback; so does
a user error under ``TRUSTCNN_DEBUG=1`` (or ``kedro run --verbose``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

DEBUG = "TRUSTCNN_DEBUG"
"""Set to 1 to see the traceback of a user error too."""


class UserError(Exception):
    """Something the user fixes; the message says what, one line per problem."""

    def lines(self) -> list[str]:
        return [line for line in str(self).splitlines() if line.strip()] or [type(self).__name__]


class ParameterError(UserError, ValueError):
    """A parameter (or a combination of them) that can't be used; names the parameter."""


class DataError(UserError, ValueError):
    """Input data that can't be used (an image folder, a mask, a class without images);
    names the file or folder."""


class MissingFileError(UserError, FileNotFoundError):
    """A file a step needs is not there; names it and what makes it."""


def user_error(error: BaseException | None) -> UserError | None:
    """The :class:`UserError` ``error`` is, or was raised from or while handling (Kedro
    re-raises a dataset's error as its own ``DatasetError``), outermost first."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, UserError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def debugging() -> bool:
    """``TRUSTCNN_DEBUG`` is set (to anything but 0): user errors keep their traceback."""
    return os.environ.get(DEBUG, "0").strip() not in ("", "0")


@contextmanager
def reported(verbose: bool = False) -> Iterator[None]:
    """Run a command's body: a user error in it is printed as ``Error: <line>`` per line on
    stderr and ends the process with status 1; with ``verbose`` or ``TRUSTCNN_DEBUG=1`` it
    propagates with its traceback, like every other exception."""
    try:
        yield
    except Exception as error:
        found = None if verbose or debugging() else user_error(error)
        if found is None:
            raise
        for line in found.lines():
            print(f"Error: {line}", file=sys.stderr)
        raise SystemExit(1) from None


class ReportedGroup(click.Group):
    """A click command group whose commands report user errors as :func:`reported` does."""

    def invoke(self, ctx: click.Context) -> Any:
        with reported():
            return super().invoke(ctx)
