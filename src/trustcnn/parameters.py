"""Reading and checking the run's parameters (the schemas are :mod:`trustcnn.config`): the
top-level ``seed`` and ``trust_defaults`` laid into the blocks they seed, the keys the
configuration files set, unknown keys stopped, and one line per bad value."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from difflib import get_close_matches
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from trustcnn.runtime.errors import ParameterError

TRUST_DEFAULTS = "trust_defaults"
SEED = "seed"
SEEDED = (
    "data",
    "source_training",
    "baseline",
    TRUST_DEFAULTS,
    "saliency",
    "evaluation",
    "error_detection",
    "robustness",
    "user_study",
    "annotation",
)
"""The parameter blocks with a ``seed`` of their own (the trust variants' ``trust`` blocks too)."""
VARIANT_LISTS = ("trust_variants", "human_mask_variants")
"""The lists of trust variants, each with a ``trust`` block seeded like :data:`SEEDED`."""


def with_seeds(params: Mapping[str, Any], blocks: Collection[str] = SEEDED) -> dict[str, Any]:
    """``params`` with the top-level ``seed`` in every seeded part (``blocks`` and each of
    ``trust_variants``' and ``human_mask_variants``' ``trust`` block) whose own ``seed`` is null or absent; a part that sets
    one keeps it. Every part takes the seed itself, so ``seed: 0`` seeds each part exactly as
    the per-part ``seed: 0`` of earlier versions did."""
    seed = params.get(SEED, 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"Parameter 'seed' must be a whole number ≥ 0 (every seeded part derives its own from it), got {seed!r}")

    def seeded(block: Any) -> Any:
        return {**block, SEED: seed} if isinstance(block, Mapping) and block.get(SEED) is None else block

    merged = {**params, SEED: seed}
    for name in blocks:
        if name in params:
            merged[name] = seeded(params[name])
    for name in (name for names in VARIANT_LISTS for name in params.get(names) or []):
        if isinstance(block := params.get(name), Mapping) and "trust" in block:
            merged[name] = {**block, "trust": seeded(block["trust"])}
    return merged


def with_trust_defaults(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with each ``trust`` block of ``trust_variants`` and ``human_mask_variants``
    laid over ``trust_defaults`` (key by key, like YAML's ``<<:``). The parameter files carry
    no YAML merge keys, because ``dvc exp run -S`` rewrites the file it edits and would
    expand them into copies."""
    defaults = params.get(TRUST_DEFAULTS) or {}
    merged = dict(params)
    for name in [*(params.get("trust_variants") or []), *(params.get("human_mask_variants") or [])]:
        block = params.get(name) or {}
        merged[name] = {**block, "trust": {**defaults, **(block.get("trust") or {})}}
    return merged


def configured_keys(conf_source: str | Path, envs: Collection[str]) -> set[str]:
    """The top-level keys of every ``parameters*`` file of the configuration environments
    ``envs`` (e.g. ``base`` and ``local``), as written — runtime ``--params`` aside."""
    import yaml  # only when a run starts

    keys: set[str] = set()
    for env in envs:
        for path in sorted(Path(conf_source, env).glob("**/parameters*.y*ml")):
            keys |= set(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return keys


def check_known_parameters(params: Mapping[str, Any], known: Collection[str]) -> None:
    """Stop on a top-level parameter nothing knows (``--params=baselin.lr=0.1`` would otherwise
    be ignored while training starts); keys starting with ``_`` hold YAML anchors and pass.
    Nested keys are checked by the models above (``extra="forbid"``)."""
    unknown = sorted(k for k in params if k not in known and not str(k).startswith("_"))
    if unknown:
        hints = [
            f"{k!r} (did you mean {close[0]!r}?)" if (close := get_close_matches(str(k), list(known), n=1)) else repr(k) for k in unknown
        ]
        public = sorted(k for k in known if not k.startswith("_"))
        raise ParameterError(
            f"unknown parameter(s) {', '.join(hints)}: no pipeline reads them and no configuration file sets them; known: {public}"
        )


def check_annotation_grid(params: Mapping[str, Any]) -> None:
    """Stops a run, before any work, whose ``annotation.grid`` does not divide ``data.image_size``
    into equal cells (the annotation stage would otherwise fail after every model trained)."""
    size, grid = field(params.get("data"), "image_size"), field(params.get("annotation"), "grid")
    if isinstance(size, int) and isinstance(grid, int) and grid > 0 and size % grid:
        fits = [n for n in range(2, min(size, 64) + 1) if size % n == 0]
        raise ParameterError(f"annotation.grid = {grid}: must divide data.image_size = {size} into equal cells; choose one of {fits}")


def field(block: Any, name: str) -> Any:
    """``block[name]`` of a YAML block, or the attribute of a block Kedro's parameter validation
    (``kedro.validation``) already turned into the pydantic model a node's type hints ask for: a
    run's ``params`` and a node's whole ``parameters`` can hold either. ``None`` when absent."""
    return block.get(name) if isinstance(block, Mapping) else getattr(block, name, None)


def invalid_parameters(params: Mapping[str, Any], types: Mapping[str, type]) -> list[str]:
    """One line per bad value among ``params`` (the run's, after ``--env`` and ``--params``)
    for each parameter key typed with a model here (``types``: key → model, e.g. from
    Kedro's ``TypeExtractor``): ``baseline.lr = inf: must be a finite number``."""
    lines = []
    for key, model in types.items():
        value: Any = params
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        try:
            model.model_validate(value)
        except ValidationError as error:
            lines += [_error_line(key, model, e) for e in error.errors(include_url=False)]
    return lines


_REASONS = (  # pydantic's wording → what the user must do
    (r"^Value error, ", ""),
    (r"^Input should be ", "must be "),
    (r"^\w+ should ", "must "),
    (r" after validation", ""),
    (r"^Field required$", "is missing"),
)


def _error_line(key: str, model: type[BaseModel], error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in (key, *error["loc"]))
    if error["type"] == "extra_forbidden":
        fields = _fields_at(model, error["loc"][:-1])
        close = get_close_matches(str(error["loc"][-1]), fields, n=1)
        hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(fields)})" if fields else ""
        return f"{where} = {_shown(error['input'])}: no such parameter{hint}"
    reason = " ".join(line.strip() for line in str(error["msg"]).splitlines())
    for pattern, replacement in _REASONS:
        reason = re.sub(pattern, replacement, reason)
    return f"{where}: {reason}" if not error["loc"] else f"{where} = {_shown(error['input'])}: {reason}"


def _fields_at(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The field names of the model at ``path`` inside ``model`` (through ``X | None``)."""
    for part in path:
        field = model.model_fields.get(str(part))
        inner = (
            [t for t in (field.annotation, *get_args(field.annotation)) if isinstance(t, type) and issubclass(t, BaseModel)]
            if field
            else []
        )
        if not inner:
            return []
        model = inner[0]
    return sorted(model.model_fields)


def _shown(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str) if isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= width else f"{text[: width - 1]}…"
