"""DVC's ``trust`` and ``trust_human`` stages name each variant — its parameter block and its two
output folders — because DVC can't expand a list inside one stage. After editing
``trust_variants`` or ``human_mask_variants`` in ``conf/base/parameters_trust.yml``::

    python -m trustcnn.dvc_stages          # rewrites those lines of dvc.yaml, comments kept

``tests/architecture/test_dvc_yaml.py`` fails while they differ."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

PARAMETERS = "conf/base/parameters_trust.yml"
STAGES = {"trust": "trust_variants", "trust_human": "human_mask_variants"}  # stage → the list it trains


def stage_keys(listed: str, variants: list[str]) -> list[str]:
    """The keys of ``parameters_trust.yml`` a trust stage depends on: the defaults every variant
    is laid over, the list, and each variant's block."""
    return ["trust_defaults", listed, *variants]


def stage_outs(variants: list[str]) -> list[str]:
    return [out for name in variants for out in (f"data/06_models/{name}", f"data/08_reporting/{name}")]


def _replace_items(body: str, header: str, indent: str, items: list[str]) -> str:
    """``body`` with the YAML list under the line ``header`` (items at ``indent``) made ``items``."""
    new = "".join(f"{indent}- {item}\n" for item in items)
    return re.sub(rf"({re.escape(header)}\n)(?:{indent}- .*\n)+", lambda found: found.group(1) + new, body)


def follow_variant_lists(root: Path) -> bool:
    """Rewrite ``root/dvc.yaml``'s trust stages to the lists in ``root/conf/base``; True when it changed."""
    params = yaml.safe_load((root / PARAMETERS).read_text(encoding="utf-8"))
    path = root / "dvc.yaml"
    text = before = path.read_text(encoding="utf-8")
    for stage, listed in STAGES.items():
        variants = list(params.get(listed) or [])
        block = re.search(rf"(?ms)^  {stage}:.*?(?=^  \w|^\S|\Z)", text)
        if block is None:
            raise SystemExit(f"dvc.yaml has no stage {stage!r}")
        body = _replace_items(block.group(0), f"      - {PARAMETERS}:", "          ", stage_keys(listed, variants))
        body = _replace_items(body, "    outs:", "      ", stage_outs(variants))
        text = text[: block.start()] + body + text[block.end() :]
    if text != before:
        path.write_text(text, encoding="utf-8")
    return text != before


if __name__ == "__main__":
    changed = follow_variant_lists(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
    print(
        "dvc.yaml: the trust stages now follow the variant lists"
        if changed
        else "dvc.yaml: the trust stages already follow the variant lists"
    )
