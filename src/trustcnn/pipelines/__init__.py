"""Thin Kedro wiring over the framework-free library."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def with_name(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``func`` with its keyword ``name`` fixed — for one pipeline definition reused
    under several namespaces. Unlike ``functools.partial`` it keeps the signature and
    type hints Kedro reads to validate typed parameters."""

    @functools.wraps(func)
    def named(*args: Any, **kwargs: Any) -> Any:
        return func(*args, name=name, **kwargs)

    return named
