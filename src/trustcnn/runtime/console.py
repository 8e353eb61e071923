"""What a ``kedro`` command prints: no warnings a user can't act on, no echoes of a user error
(the command prints it once, :mod:`trustcnn.runtime.errors`), and a progress line with an ETA after
every node (:class:`trustcnn.hooks.RunProgress`).

The logging levels are in ``conf/logging.yml``; the warnings below are filtered here because
nothing a user of this project does makes them go away."""

from __future__ import annotations

import logging
import re
import sys
import warnings

from trustcnn.runtime.errors import debugging, user_error

UNACTIONABLE_WARNINGS = (
    # kedro-mlflow's KedroPipelineModel (a PythonModel we never log) has an untyped predict();
    # MLflow warns when the class is defined, i.e. on every `kedro` command, `--help` included.
    r".*Add type hints to the `predict` method",
    # Kedro 1.7's view of namespaces as kedro-viz groups: each model's datasets are named
    # `<model>.<what>`, and the evaluation compares every model in one node between per-model
    # nodes. Runs, catalog and `--namespaces` are unaffected.
    r"One or more dataset names contain '\.' characters",
    r"Namespace '[^']+' is interrupted by nodes",
    # Raised inside torch (the double backward of RRR's input gradients), not by our code.
    r"`torch.jit.script` is deprecated",
)
# Log lines nobody can act on, by logger (conf/logging.yml can't reach them: kedro-mlflow sets
# its own level when imported, after Kedro read that file).
UNACTIONABLE_LOGS = {
    "kedro_mlflow.framework.hooks.mlflow_hook": r"Registering new custom resolver",
}


class _Unactionable(logging.Filter):
    """Drops the records whose message (a warning's text, for ``py.warnings``) matches one of
    ``patterns``. Warnings need it too once Kedro routes them into logging: MLflow shows its
    own with ``simplefilter("once")`` inside ``catch_warnings``, overriding any filter."""

    def __init__(self, patterns: tuple[str, ...] | list[str]) -> None:
        super().__init__()
        self.pattern = re.compile("|".join(patterns))

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(self.pattern.match(line) for line in _warning_lines(record.getMessage()))


def _warning_lines(message: str) -> list[str]:
    """``path:line: UserWarning: <text>`` → the text (ANSI colour codes dropped); a log
    message as it is."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", message)
    return [part.split("Warning: ", 1)[-1] for part in text.splitlines()[:1]]


# Kedro's lines while a run stops on a user error, which the command then prints as one line:
# the node's "failed with error: <the same message>", and the runner's "No nodes ran. Repeat the
# previous command" or "resume with --from-nodes" (repeating the command can't help).
USER_ERROR_ECHOES = ("kedro.pipeline.node", *(f"kedro.runner.{r}_runner" for r in ("sequential", "parallel", "thread")))


class _UserErrorEcho(logging.Filter):
    """Drops a record logged while a :class:`~trustcnn.runtime.errors.UserError` is being handled
    (unless ``TRUSTCNN_DEBUG`` is set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return debugging() or user_error(sys.exc_info()[1]) is None


def quiet_unactionable_warnings() -> None:
    for message in UNACTIONABLE_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    for name, patterns in {"py.warnings": UNACTIONABLE_WARNINGS, **UNACTIONABLE_LOGS}.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Unactionable) for f in logger.filters):
            logger.addFilter(_Unactionable(patterns if isinstance(patterns, tuple) else (patterns,)))
    for name in USER_ERROR_ECHOES:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _UserErrorEcho) for f in logger.filters):
            logger.addFilter(_UserErrorEcho())


def duration(seconds: float) -> str:
    """``75`` → ``1m15s``; ``3700`` → ``1h01m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def progress_line(done: int, total: int, elapsed_s: float, node: str) -> str:
    """``12/56 nodes (21%) in 3m05s, ETA ~11m36s — done: train_baseline``; the ETA assumes the
    nodes left take as long on average as the ones done (training nodes make it rough)."""
    share = done / total if total else 1.0
    eta = elapsed_s / done * (total - done) if done else 0.0
    left = "done" if done >= total else f"ETA ~{duration(eta)}"
    return f"{done}/{total} nodes ({share:.0%}) in {duration(elapsed_s)}, {left} — finished {node}"
