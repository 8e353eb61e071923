"""Thin Kedro wiring over the framework-free library."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class _Named:
    """A module-level class rather than a closure, so the node pickles (``ParallelRunner``
    sends each node to a worker process)."""

    __wrapped__: Callable[..., Any]  # set by functools.update_wrapper

    def __init__(self, func: Callable[..., Any], name: str) -> None:
        functools.update_wrapper(self, func)
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, name=self._name, **kwargs)


def with_name(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``func`` with its keyword ``name`` fixed — for one pipeline definition reused
    under several namespaces. Unlike ``functools.partial`` it keeps the signature and
    type hints Kedro reads to validate typed parameters."""
    return _Named(func, name)


def by_model(outputs: dict[str, Any], kind: str) -> dict[str, Any]:
    """``{"maps_baseline": …}`` (Kedro passes per-model datasets as keywords) → ``{"baseline": …}``."""
    return {key.removeprefix(f"{kind}_"): value for key, value in outputs.items() if key.startswith(f"{kind}_")}
