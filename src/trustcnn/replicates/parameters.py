"""What a replicate was made from, so a summary across seeds is never mixed from, nor used for,
another experiment: its parameters with the seeds aside (the top-level ``seed`` and every part's
``seed``), and the machine that ran it."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SEED_KEY = "seed"
REPLICATE_KEY = "replicate"  # how the replicates run, not what they compute


def experiment_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` without what varies between replicates or doesn't change their numbers: every
    ``seed`` key (at any depth), the ``replicate`` block and YAML-anchor keys (``_…``). In one
    canonical form whichever pipeline ran: a block Kedro validated into its typed model is its
    keys as configured (``exclude_unset``), and every number a float (YAML's ``2`` is the model's
    ``2.0``)."""

    def strip(value: Any) -> Any:
        if hasattr(value, "model_dump"):  # Kedro hands the typed blocks of the pipelines it runs as models
            value = value.model_dump(mode="json", exclude_unset=True)
        if isinstance(value, Mapping):
            return {str(k): strip(v) for k, v in value.items() if k != SEED_KEY}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    return {str(k): strip(v) for k, v in params.items() if k not in (SEED_KEY, REPLICATE_KEY) and not str(k).startswith("_")}


def fingerprint(parameters: Mapping[str, Any]) -> str:
    """A short hash of :func:`experiment_parameters` (the same parameters give the same one)."""
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def differences(made_from: Mapping[str, Any], current: Mapping[str, Any], limit: int = 5) -> list[str]:
    """``["trust_mask.trust.w_mask: 2.0 → 1.0", …]``: the (first ``limit``) parameters that
    differ, by dotted path; a parameter only one side has shows ``–`` on the other."""
    left, right = _flat(made_from), _flat(current)
    changed = [key for key in sorted(left.keys() | right.keys()) if left.get(key, _ABSENT) != right.get(key, _ABSENT)]
    shown = [f"{key}: {_show(left.get(key, _ABSENT))} → {_show(right.get(key, _ABSENT))}" for key in changed[:limit]]
    return shown + ([f"… {len(changed) - limit} more"] if len(changed) > limit else [])


_ABSENT = object()


def _show(value: Any) -> str:
    """As configured: a whole float (canonical form of YAML's int) without its ``.0``."""

    def plain(v: Any) -> Any:
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return [plain(x) for x in v] if isinstance(v, list) else v

    return "–" if value is _ABSENT else json.dumps(plain(value), default=str)


def _flat(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, Mapping) and value:
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def machine() -> dict[str, Any]:
    """The CPU model, core count and torch's thread count and version: what, beside the seed,
    decides a run's numbers (another CPU sums in another order)."""
    import torch  # only when a record is made

    return {
        "cpu": _cpu_model(),
        "vector_extensions": _vector_extensions(),
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _vector_extensions() -> str | None:
    """The widest x86 vector extension the CPU reports (the kernels torch picks, and so the order
    it sums in, depend on it), or None where /proc/cpuinfo doesn't say."""
    cpuinfo = Path("/proc/cpuinfo")
    flags = (
        next((line.split(":", 1)[1].split() for line in cpuinfo.read_text(errors="replace").splitlines() if line.startswith("flags")), [])
        if cpuinfo.is_file()
        else []
    )
    return next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX")) if flag in flags), None)


def record(params: Mapping[str, Any]) -> dict[str, Any]:
    """What one replicate was made from: its ``seed``, its :func:`experiment_parameters` (and
    their :func:`fingerprint`) and the :func:`machine`."""
    parameters = experiment_parameters(params)
    return {"seed": params[SEED_KEY], "fingerprint": fingerprint(parameters), "parameters": parameters, "machine": machine()}
