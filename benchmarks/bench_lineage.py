"""What recording lineage costs on a large split (docs/lineage.md), against its peers.

A benchmark, not a test: ``.venv/bin/python benchmarks/bench_lineage.py`` builds one split of
``--images`` images (default 70,000, the size of the Fashion-MNIST cost-growth run) at 32 px
with masks and decoy masks, as ingestion writes it (uncompressed ``.npz``, memory-mapped), in
a temporary folder, and times:

- ``record at ingestion``: the md5 of the split's arrays (``trustcnn.lineage.arrays_md5``),
  paid once, when ingestion writes the split — against ``write the split``, what ingestion
  already pays for it;
- ``read the record``: what every later stage pays per split (one small member of the file)
  — against ``hash the file``, what hashing the split in every stage would cost instead.

Ratios are against the peer in the same run; ``--smoke`` runs 2,000 images for the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

import numpy as np
from timing import median_seconds

from trustcnn.data import ImageSet
from trustcnn.lineage import arrays_md5
from trustcnn.runtime.ondisk import map_npz
from trustcnn.storage import ImageSetDataset


def split(n: int, size: int = 32) -> ImageSet:
    rng = np.random.default_rng(0)
    masks = rng.random((n, size, size)) < 0.3
    return ImageSet(
        rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8), rng.integers(0, 10, n), tuple("0123456789"), masks, decoy_masks=~masks
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=70_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="2,000 images, one repeat")
    args = parser.parse_args()
    images, repeats = (2_000, 1) if args.smoke else (args.images, args.repeats)
    data = split(images)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "test.npz"
        dataset = ImageSetDataset(str(path))
        write = median_seconds(lambda: dataset.save(data), repeats)
        record = median_seconds(lambda: arrays_md5(map_npz(path)), repeats)
        dataset.set_lineage({"test_set": arrays_md5(data.to_arrays())})
        dataset.save(data)
        read = median_seconds(lambda: ImageSetDataset(str(path)).read_lineage(), repeats)
        whole = median_seconds(lambda: _md5(path), repeats)
        size_mib = path.stat().st_size / 2**20
    print(f"{images} images, {size_mib:.0f} MiB split, median of {repeats}")
    print("| what | seconds | against | ratio |\n|---|---|---|---|")
    print(f"| record at ingestion (md5 of the arrays, once) | {record:.3f} | write the split ({write:.3f} s) | {record / write:.2f} |")
    print(f"| read the record (every later stage) | {read:.5f} | hash the file ({whole:.3f} s) | {read / whole:.5f} |")


def _md5(path: Path) -> str:
    """The file's md5, every time (:func:`trustcnn.lineage.file_md5` caches it per process)."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


if __name__ == "__main__":
    main()
