"""A line with an ETA after each node: :class:`RunProgress`."""

from __future__ import annotations

import logging
import os
import time

from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node, Pipeline

from trustcnn.runtime.console import progress_line

log = logging.getLogger(__name__)


class RunProgress:
    """After each node: how many of the run's nodes are done, the time so far and an ETA
    (Kedro's own line says only "Completed 12 out of 56 tasks"). Counted in the process that
    started the run; a ParallelRunner worker's nodes are not counted there."""

    def __init__(self) -> None:
        self._pid, self._total, self._done, self._start = 0, 0, 0, 0.0

    @hook_impl
    def before_pipeline_run(self, pipeline: Pipeline) -> None:
        self._pid, self._total, self._done, self._start = os.getpid(), len(pipeline.nodes), 0, time.monotonic()

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        if os.getpid() != self._pid:
            return
        self._done += 1
        log.info(progress_line(self._done, self._total, time.monotonic() - self._start, node.name))
