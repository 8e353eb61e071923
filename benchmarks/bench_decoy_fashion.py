"""The ``decoy_fashion`` benchmark: Ross et al.'s Decoy MNIST construction on Fashion-MNIST,
every model trained end to end, beside the published anchors.

    .venv/bin/python benchmarks/bench_decoy_fashion.py [--out DIR]

Runs ``KEDRO_ENV=decoy_fashion kedro run --pipelines=transfer`` in a scratch copy of the
project (the working tree's outputs are left alone), prints the table the README shows and
copies the run's reports (metrics.json, table1.md, decoy_reliance.png) to ``--out``. Needs the
Fashion-MNIST files (Debian's ``dataset-fashion-mnist``); about 10 minutes on 2 CPU cores.
One seed; ``make replicate KEDRO_ENV=decoy_fashion`` runs it over seeds (docs/replicates.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from project_copy import kedro_run, project_copy

from trustcnn.metrics import format_estimate
from trustcnn.replicates.docs import PUBLISHED, PUBLISHED_ONLY

REPORTS = ("metrics.json", "table1.md", "decoy_reliance.png")
LABELS = {"baseline": "plain (cross entropy)", "no_decoy": "no-decoy reference"}


def table(metrics: dict) -> str:
    lines = [
        "| model | Ross et al. 2017 (MNIST, MLP) | Rieger et al. 2020 (CDEP, Table 3) | accuracy, decoy random (ours) "
        "| accuracy, decoy consistent | flip rate | gap closed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in metrics["models"].items():
        ross, rieger = PUBLISHED.get(name, ("–", "–"))
        cells = [format_estimate(row[k]) for k in ("accuracy", "accuracy_consistent", "decoy_flip_rate", "gap_closed")]
        lines.append(f"| {LABELS.get(name, name)} | {ross} | {rieger} | " + " | ".join(cells) + " |")
    lines.append(f"| {' | '.join(PUBLISHED_ONLY)} | – | – | – | – |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/decoy_fashion"), help="where the reports go")
    args = parser.parse_args()
    with project_copy() as root:
        start = time.perf_counter()
        kedro_run(root, "--pipelines=transfer", env={"KEDRO_ENV": "decoy_fashion"})
        seconds = time.perf_counter() - start
        reporting = root / "data/envs/decoy_fashion/08_reporting"  # conf/decoy_fashion/globals.yml
        args.out.mkdir(parents=True, exist_ok=True)
        for name in REPORTS:
            shutil.copy(reporting / name, args.out / name)
        metrics = json.loads((reporting / "metrics.json").read_text())
    print(table(metrics))
    print(f"\nwall time {seconds:.0f} s; reports in {args.out}")


if __name__ == "__main__":
    main()
