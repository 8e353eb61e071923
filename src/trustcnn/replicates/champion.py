"""Which champion a run names: the across-seed one when a current summary of replicates exists,
else its own single-seed pick. A summary made from other parameters (seeds aside) never decides
it: the run says so in its log and keeps its own pick."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from trustcnn.replicates.parameters import differences, experiment_parameters

log = logging.getLogger(__name__)


def usable(summary: Mapping[str, Any] | None, parameters: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether ``summary`` may decide the champion of a run with ``parameters`` — it names a
    champion over two seeds or more and was made from these parameters, seeds aside — and, when
    not, why, in one line."""
    if not summary or summary.get("champion") is None:
        return False, "no summary naming a champion across two or more seeds (make replicate)"
    current = experiment_parameters(parameters)
    if summary.get("parameters") != current:
        diff = ", ".join(differences(summary.get("parameters") or {}, current))
        return False, (
            f"the summary across seeds {summary['seeds']} was made with other parameters (made with → now: {diff}); "
            "its champion is not used. Re-run the replicates (make replicate) for a current one"
        )
    return True, f"across seeds {summary['seeds']}"


def follow_replicates(
    single_seed: Mapping[str, Any], summary: Mapping[str, Any] | None, parameters: Mapping[str, Any], models: Any = ()
) -> dict[str, Any]:
    """The champion this run names: ``summary``'s across-seed pick with its seeds and this run's
    own (``single_seed``) beside it, when :func:`usable` and the pick is one of ``models``;
    otherwise ``single_seed`` unchanged (a stale summary is reported in the log)."""
    ok, why = usable(summary, parameters)
    if summary and not ok and summary.get("champion") is not None:
        log.warning("champion: %s", why)
    if not ok or summary is None or summary["champion"]["model"] not in models:  # usable: summary is not None
        return dict(single_seed)
    return {**summary["champion"], "seeds": list(summary["seeds"]), "this_seed": dict(single_seed)}
