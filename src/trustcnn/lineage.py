"""Which versions of the data and the models an artefact was made from, recorded inside it,
and the check that the artefacts one step combines agree (docs/lineage.md).

A *record* maps catalog dataset names to versions: ``{"test_set": "3f2a…",
"baseline.model": "8b7d…", …}``. It is stored in the artefact itself (an ``.npz`` member,
a checkpoint key, a JSON key, the study manifest), so DVC versions it with the artefact.

- A **split** (``test_set``) is the md5 of its arrays, computed once, when ingestion writes
  it, and recorded in the split; the splits one step writes together also share the md5 of
  all of them (key ``<node>:outputs``), so a model trained on one ingestion's splits and the
  test split of another are told apart although they share no file. Hashing the arrays once
  at ingestion is what keeps this cheap on large splits: no later step hashes a split.
  A split written without a record (by older code) is the md5 of its file.
- A **model** (``baseline.model``) is the md5 of its file — the value ``dvc.lock`` records —,
  hashed once per file version per process (:func:`per_file_version`).
- Everything made from them records the union of its inputs' records and versions.

Versions are content hashes; a file's modification time is only ever used to know, within
one process, that a file is still the one already read (trustcnn replaces files by rename,
so a new version is also a new inode).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from trustcnn.runtime.errors import UserError
from trustcnn.runtime.ondisk import blocks

Record = dict[str, str]
LINEAGE = "lineage"
"""The key (npz member, checkpoint or JSON key) an artefact's record is stored under."""
SHORT = 8
"""Hex digits of a version shown in a message."""
GROUP = ":outputs"
"""``<step>:outputs`` names the version of all the splits one step wrote together."""

T = TypeVar("T")
_CACHE: dict[tuple[str, str], tuple[tuple[int, int, int, int], Any]] = {}


def per_file_version(path: str | Path, what: str, compute: Callable[[Path], T]) -> T:
    """``compute(path)``, computed once per version of the file in this process."""
    path = Path(path)
    status = path.stat()
    identity = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
    key = (str(path.resolve()), what)
    if key not in _CACHE or _CACHE[key][0] != identity:
        _CACHE[key] = (identity, compute(path))
    return _CACHE[key][1]


def file_md5(path: str | Path) -> str:
    """The md5 of the file's bytes (what DVC records), once per file version per process."""

    def md5(file: Path) -> str:
        digest = hashlib.md5()
        with open(file, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()

    return per_file_version(path, "md5", md5)


def arrays_md5(arrays: Mapping[str, np.ndarray]) -> str:
    """The md5 of named arrays (names, dtypes, shapes and values), read block by block so a
    memory-mapped array is never resident whole."""
    digest = hashlib.md5()
    for name in sorted(arrays):
        array = np.asanyarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        for _, block in blocks(array.reshape(1) if array.ndim == 0 else array):
            digest.update(np.ascontiguousarray(block).view(np.uint8).reshape(-1).data)
    return digest.hexdigest()


def split_records(splits: Mapping[str, Mapping[str, np.ndarray]], step: str) -> dict[str, Record]:
    """The records of the splits one ``step`` writes together: each its own version and,
    under ``<step>:outputs``, the version of them all."""
    versions = {name: arrays_md5(arrays) for name, arrays in splits.items()}
    together = hashlib.md5(json.dumps(versions, sort_keys=True).encode()).hexdigest()
    return {name: {name: version, f"{step}{GROUP}": together} for name, version in versions.items()}


def is_group(key: str) -> bool:
    return key.endswith(GROUP)


def encode(record: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(record.items())), separators=(",", ":"))


def decode(text: str) -> Record:
    record = json.loads(text)
    if not isinstance(record, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in record.items()):
        raise ValueError(f"a lineage record maps names to versions, got {text[:80]!r}")
    return record


@dataclass(frozen=True)
class Artefact:
    """An input of a step: its dataset ``name``, its file, what it records (``None``: nothing,
    it was written before records were kept) and, for a split or a model, its own version."""

    name: str
    path: str
    record: Mapping[str, str] | None
    version: str | None = None

    @property
    def is_split(self) -> bool:
        """A split records its own version (and nothing it was made from)."""
        return self.record is not None and self.name in self.record

    def claims(self) -> dict[str, str]:
        return {**(self.record or {}), **({self.name: self.version} if self.version else {})}

    def first_hand(self, key: str) -> bool:
        """Whether this artefact *is* what ``key`` names (or, for a split, the step that wrote it)."""
        return key == self.name or self.is_split


class StaleInputError(UserError):
    """A step's inputs were made from different versions of the same data or model."""


class UnrecordedInputError(UserError):
    """An input records nothing it was made from, so it can't be checked."""


def record_of(artefacts: Sequence[Artefact]) -> Record:
    """What an output made from ``artefacts`` records: every version they claim."""
    return {key: version for artefact in artefacts for key, version in sorted(artefact.claims().items())}


def check(
    artefacts: Sequence[Artefact],
    refresh: Callable[[Sequence[str]], str],
    current: Callable[[str], tuple[str, str] | None] = lambda key: None,
) -> None:
    """Raise unless ``artefacts`` (one step's inputs) claim one version for every data or
    model name they share. The one-line message names a stale artefact and what it disagrees
    with (both files, both versions) and the command that refreshes every stale input:
    ``refresh(names)``. ``current(key)`` gives the path and version of what ``key`` names now,
    for a key no input is first hand about (e.g. a model behind two models' maps)."""
    check_steps([artefacts], refresh, current)


def check_steps(
    steps: Sequence[Sequence[Artefact]],
    refresh: Callable[[Sequence[str]], str],
    current: Callable[[str], tuple[str, str] | None] = lambda key: None,
) -> None:
    """:func:`check` for several steps' inputs at once (a run's, before it starts): the
    message is about the first step whose inputs disagree, the command refreshes what is
    stale for any of them."""
    unrecorded = [a for artefacts in steps if len(artefacts) > 1 for a in artefacts if a.record is None]
    if unrecorded:
        raise UnrecordedInputError(
            f"{unrecorded[0].path} records no data version (written by an older trustcnn, or outside the "
            f"pipelines), so it can't be checked against the other inputs: refresh it with "
            f"{refresh(list(dict.fromkeys(a.name for a in unrecorded)))}"
        )
    first, stale = None, []
    for artefacts in steps:
        reports, names = _disagreements(artefacts, current)
        first = first or (min(reports, key=lambda report: report[0])[1] if reports else None)
        stale += names
    if first is not None:
        raise StaleInputError(f"{first}: refresh with {refresh(list(dict.fromkeys(stale)))}")


def _disagreements(
    artefacts: Sequence[Artefact], current: Callable[[str], tuple[str, str] | None]
) -> tuple[list[tuple[int, str]], list[str]]:
    """What the inputs of one step disagree about — ``(priority, message)`` per name they
    disagree on, most specific first: a file that is an input, one that isn't, the splits'
    data version, two versions and no way to tell which is current — and the stale inputs."""
    claims: dict[str, list[tuple[str, Artefact]]] = {}
    for artefact in artefacts:
        for key, version in artefact.claims().items():
            claims.setdefault(key, []).append((version, artefact))
    reports: list[tuple[int, str]] = []
    stale: list[str] = []
    for key, found in claims.items():
        if len({version for version, _ in found}) < 2:
            continue
        truth = [(version, a) for version, a in found if a.first_hand(key)]
        known = (truth[0][1].path, truth[0][0]) if truth else current(key)
        if known is None:  # nothing says which is current: both may be
            (a_version, a), (b_version, b) = found[0], next(f for f in found if f[0] != found[0][0])
            stale += [x.name for _, x in found]
            reports.append((3, f"{a.path} was made from {key} version {a_version[:SHORT]} but {b.path} from version {b_version[:SHORT]}"))
            continue
        path, version = known
        old = [(v, a) for v, a in found if v != version]
        stale += [a.name for _, a in old]
        a_version, a = old[0]
        if is_group(key):
            reports.append(
                (2, f"{a.path} was made from other splits (data version {a_version[:SHORT]}) than {path} (data version {version[:SHORT]})")
            )
        else:
            reports.append(
                (0 if truth else 1, f"{a.path} was made from {path} version {a_version[:SHORT]}, which is now version {version[:SHORT]}")
            )
    return reports, stale
