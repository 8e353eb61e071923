"""ParallelRunner's workers and torch's threads: :class:`ParallelThreadsCheck`."""

from __future__ import annotations

import logging
import os
from typing import Any

from kedro.framework.hooks import hook_impl

log = logging.getLogger(__name__)


class ParallelThreadsCheck:
    """``ParallelRunner`` forks one worker per node, each with torch's default thread pool:
    on a CPU the workers then fight over the cores (measured on 2 cores, the seven default
    variants: 0.36× the serial run; with ``OMP_NUM_THREADS=1``, 1.97× the serial run of one
    thread). Says so before the run when nothing has set the thread count."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        if "ParallelRunner" not in str(run_params.get("runner", "")) or "OMP_NUM_THREADS" in os.environ:
            return
        import torch

        if (threads := torch.get_num_threads()) > 1:
            log.warning(
                "ParallelRunner: every worker runs torch on %d threads, so on %d CPU cores the workers compete and "
                "the run can be slower than a serial one. Give each worker its share of the cores (cores / "
                "max_workers): OMP_NUM_THREADS=1 kedro run ... (the results then equal a serial run with the same "
                "OMP_NUM_THREADS, byte for byte)",
                threads,
                os.cpu_count() or 1,
            )
