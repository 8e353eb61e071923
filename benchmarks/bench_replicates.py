"""Wall time and peak memory of the replicates (``trustcnn replicate``, i.e. ``make replicate``
without its final ``dvc repro``), scheduled four ways, on fresh clones of the project.

    .venv/bin/python benchmarks/bench_replicates.py                  # 5 seeds of the default, every way
    .venv/bin/python benchmarks/bench_replicates.py --ways queue     # one way
    .venv/bin/python benchmarks/bench_replicates.py --make           # `make replicate` as it is (main run included)
    .venv/bin/python benchmarks/bench_replicates.py --smoke          # 2 tiny seeds: what the test suite runs

Ways: ``sequential`` (one seed after another, SequentialRunner: the peer every ratio is against),
``parallel`` (one seed after another, ParallelRunner with a worker per core), ``queue`` (``--jobs``
seeds at a time as DVC experiments, default 2) and ``queue+parallel`` (both). Every replicate runs
torch on one thread, so every way must give the same summary: the benchmark says whether it did.
Peak memory is the machine's memory in use (MemTotal − MemAvailable) above its level before the
run, sampled every half second — the queue's workers are not children of this process, so their
RSS can't be summed. A benchmark: run it on a quiet machine; results go to benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from trustcnn.dvc_stages import follow_variant_lists

if TYPE_CHECKING:
    from typing import Self  # Python 3.11

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WAYS = {
    "sequential": ["--jobs", "1", "--runner", "sequential"],
    "parallel": ["--jobs", "1", "--runner", "parallel"],
    "queue": ["--jobs", "{jobs}", "--runner", "sequential"],
    "queue+parallel": ["--jobs", "{jobs}", "--runner", "parallel"],
}
IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@trustcnn.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@trustcnn.invalid",
}


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "KEDRO_ENV")}
    return env | {"PATH": f"{BIN}:{env['PATH']}", "KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1", "MPLBACKEND": "Agg", **IDENTITY}


def sh(root: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=root, env=environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {root}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def prepared_clone(dest: Path, seeds: list[int], smoke: bool, checkout: Path, make: bool) -> Path:
    """A git clone of ``checkout`` whose replicate.seeds are ``seeds`` (committed, as the queue
    runs what git tracks); ``smoke``: the smoke parameters (conf/local) with one trust variant and one human-mask variant.
    Unless ``make`` (which times it), the main pipeline is run once, untimed, in the clone."""
    root = dest / "trustcnn"
    sh(dest, "git", "clone", "--quiet", str(checkout), str(root))
    path = root / "conf/base/parameters_replicate.yml"
    text = path.read_text()
    start, end = text.index("  seeds:\n") + len("  seeds:\n"), text.index("  active:")
    path.write_text(text[:start] + "".join(f"  - {seed}\n" for seed in seeds) + text[end:])
    sh(root, "git", "commit", "--quiet", "-am", f"bench: seeds {seeds}")
    if smoke:
        params = yaml.safe_load((root / "conf/smoke/parameters.yml").read_text())
        params.pop("replicate", None)
        (root / "conf/local/parameters.yml").write_text(yaml.safe_dump(params))
        trust = root / "conf/base/parameters_trust.yml"  # one variant, in the parameters DVC reads
        variants = yaml.safe_load(trust.read_text())["trust_variants"]
        text = trust.read_text().replace("".join(f"- {v}\n" for v in variants), "- rrr\n", 1)
        trust.write_text(
            re.sub(r"^- (rrr_gradcam_human|trust_mask_human)\b.*\n", "", text, flags=re.MULTILINE)
        )  # one of human_mask_variants
        follow_variant_lists(root)  # DVC's trust stages name the variants
        sh(root, "git", "commit", "--quiet", "-am", "bench: one trust variant, one human-mask variant")
    if not make:
        sh(root, "dvc", "repro")  # the main pipeline once, untimed: the queue's experiments need its outputs cached
    return root


class MemoryPeak:
    """The machine's memory in use above its level at the start, sampled until stopped (MiB)."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self._interval, self._stop, self.peak = interval_s, threading.Event(), 0.0
        self._start = self._used()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _used() -> float:
        info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        return (int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])) / 1024

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._used() - self._start)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(root: Path, args: list[str]) -> tuple[float, float]:
    with MemoryPeak() as memory:
        start = time.perf_counter()
        sh(root, *args)
        seconds = time.perf_counter() - start
    return seconds, memory.peak


def numbers(root: Path) -> dict:
    """What must not depend on the way: every model's estimates across the seeds."""
    summary = json.loads((root / "data/08_reporting/replicates/summary.json").read_text())
    return {"seeds": summary["seeds"], "models": summary["models"], "champion": summary["champion"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--ways", nargs="+", choices=sorted(WAYS), default=list(WAYS))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="seeds at a time in the queue ways")
    parser.add_argument("--make", action="store_true", help="only `make replicate` as it is, main pipeline included")
    parser.add_argument("--smoke", action="store_true", help="seeds 0 and 1 of the smoke parameters, one trust variant")
    parser.add_argument("--checkout", type=Path, default=PROJECT, help="the git checkout to clone (its HEAD)")
    args = parser.parse_args()
    seeds = [0, 1] if args.smoke else args.seeds
    print(f"cpu cores: {os.cpu_count()}, seeds: {seeds}, {'smoke parameters' if args.smoke else 'default parameters'}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-replicates-") as tmp:
        base = prepared_clone(Path(tmp), seeds, args.smoke, args.checkout, args.make)
        if args.make:
            seconds, peak = timed(
                base,
                [
                    str(BIN / "trustcnn"),
                    "replicate",
                    *(f"--jobs={os.environ.get('JOBS', '1')}", f"--runner={os.environ.get('RUNNER', 'parallel')}"),
                ],
            )
            print(f"make replicate ({len(seeds)} seeds, then dvc repro): {seconds:7.1f} s, peak memory +{peak:.0f} MiB")
            return
        results = {}
        for way in args.ways:
            root = Path(tmp) / way / "trustcnn"
            shutil.copytree(base, root, symlinks=True)
            command = [str(BIN / "trustcnn"), "replicate", "--no-main", *(a.format(jobs=args.jobs) for a in WAYS[way])]
            seconds, peak = timed(root, command)
            results[way] = (seconds, peak, numbers(root))
            print(f"{way:15s}: {seconds:7.1f} s, peak memory +{peak:6.0f} MiB", flush=True)
    peer = results.get("sequential")
    for way, (seconds, _peak, found) in results.items():
        if peer and way != "sequential":
            same = "same numbers" if found == peer[2] else "NUMBERS DIFFER"
            print(f"{way:15s}: {peer[0] / seconds:.2f}x the sequential way, {same}")


if __name__ == "__main__":
    main()
