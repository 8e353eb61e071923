"""The paper-scale run: MobileNetV2 at 224² through the whole ``transfer`` pipeline, stage
by stage, with the wall time of each.

A benchmark, not a test, meant for a machine with a GPU:
``.venv/bin/python benchmarks/bench_paper_scale.py`` (on the CPU it takes hours). Each stage
is its own ``kedro run --pipelines=<stage>`` in one fresh copy of the project's
configuration, in the order ``transfer`` runs them, so the split adds up to the whole run
plus one Kedro start-up per stage. ``--params`` replaces the defaults (e.g. ``--params
model.name=mobilenet_v2,data.image_size=224,data.source=fashion_mnist``); ``--env smoke``
with ``--params ''`` checks the script in a minute.
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from project_copy import kedro_run, project_copy

STAGES = ("ingestion", "baseline", "trust", "saliency", "error_detection", "robustness", "evaluation", "user_study")
PAPER_SCALE = "model.name=mobilenet_v2,data.image_size=224"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=PAPER_SCALE, help=f"kedro --params (default {PAPER_SCALE!r}; '' for none)")
    parser.add_argument("--env", help="a Kedro environment, e.g. smoke")
    args = parser.parse_args()
    extra = ([f"--params={args.params}"] if args.params else []) + ([f"--env={args.env}"] if args.env else [])
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    print(f"{device}; kedro run {' '.join(extra)}\n")
    print(f"{'stage':<16} {'wall s':>9}")
    total = 0.0
    with project_copy() as root:
        for stage in STAGES:
            start = time.perf_counter()
            kedro_run(root, f"--pipelines={stage}", *extra)
            seconds = time.perf_counter() - start
            total += seconds
            print(f"{stage:<16} {seconds:9.1f}", flush=True)
    print(f"{'transfer':<16} {total:9.1f}")


if __name__ == "__main__":
    main()
