"""Ctrl-C and SIGTERM that never land inside a database write: :class:`DeferredInterrupts`.

Python runs a signal handler between any two bytecodes, so Ctrl-C's ``KeyboardInterrupt`` can
be raised half-way through an MLflow write: inside SQLAlchemy's commit, in the middle of
``mlflow.end_run`` after the run left MLflow's stack but before its status was written, or in
a finaliser, where the exception is swallowed. The interrupted connection then keeps SQLite's
write lock, every later write fails with "database is locked" after its 20 s busy timeout, and
the runs stay RUNNING for good. (Measured on SQLite, a nested ``start_run`` / ``log_metric`` /
``end_run`` interrupted at 150 random points: 45 left the nested run RUNNING, 5 of them with the
database locked; SIGTERM at 150 random moments of a loop of them: 11 "database is locked"
failures, none once held back.)

So while a signal finds the main thread in one of the named packages' code, it is held back,
and the frame that called into them is traced: the interruption is raised at its next line —
right after the write returned, before the next one began. (The trace runs only while an
interruption waits, a few milliseconds; any trace function set before, a debugger's, is put
back.) A second signal while one waits raises at once: the way out when a write hangs (an
HTTP tracking server that keeps retrying).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterable
from types import FrameType
from typing import Any


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised where the run is, so it unwinds like Ctrl-C."""


def _exception(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Interrupted(f"signal {signal.Signals(signum).name}")


class DeferredInterrupts:
    """While installed, SIGINT and SIGTERM raise ``KeyboardInterrupt`` / :class:`Interrupted`
    in the main thread — but never while a frame of ``packages`` (top-level module names,
    e.g. ``mlflow``) is on its stack: then the interruption waits until none is, or until a
    second signal comes."""

    def __init__(self, packages: Iterable[str]) -> None:
        self._packages = frozenset(packages)
        self._pending: int | None = None
        self._previous: dict[int, Any] = {}
        self._previous_trace: Any = None

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous.setdefault(signum, signal.signal(signum, self._on_signal))

    def uninstall(self) -> None:
        """Put back the handlers :meth:`install` replaced; a held-back interruption is dropped
        (the run it would have stopped has ended)."""
        self._stop_waiting()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _in_packages(self, frame: FrameType) -> bool:
        return str(frame.f_globals.get("__name__", "")).partition(".")[0] in self._packages

    def inside(self, frame: FrameType | None) -> bool:
        """Whether ``frame`` or any frame that called it runs code of ``packages``."""
        return self._outermost(frame) is not None

    def _outermost(self, frame: FrameType | None) -> FrameType | None:
        """The frame of ``packages`` nearest the bottom of ``frame``'s stack, if any."""
        outermost = None
        while frame is not None:
            outermost = frame if self._in_packages(frame) else outermost
            frame = frame.f_back
        return outermost

    def _caller_of_outermost(self, frame: FrameType | None) -> FrameType | None:
        outermost = self._outermost(frame)
        return outermost.f_back if outermost is not None else None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._pending is not None:  # the second: now, wherever the run is
            self._stop_waiting()
            raise _exception(signum)
        caller = self._caller_of_outermost(frame)
        if caller is None:  # outside the packages (or nothing outside them to wait for)
            raise _exception(signum)
        self._pending = signum
        self._previous_trace = sys.gettrace()
        caller.f_trace = self._on_trace
        sys.settrace(self._on_call)  # tracing on, for the caller's f_trace; no new frame is traced

    def _on_call(self, frame: FrameType, event: str, arg: Any) -> None:
        return None

    def _on_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        """The caller's next line: the packages' frames have returned."""
        if self._pending is None:
            return None
        if event == "return":  # it returns without another line: wait in its caller
            if frame.f_back is not None:
                frame.f_back.f_trace = self._on_trace
            return None
        if event != "line" or self.inside(frame):
            return self._on_trace
        pending = self._pending
        self._stop_waiting()
        raise _exception(pending)

    def _stop_waiting(self) -> None:
        if self._pending is not None:
            sys.settrace(self._previous_trace)
        self._pending, self._previous_trace = None, None
